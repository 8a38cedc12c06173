/**
 * The one-step law check every tree builder's tests share (exact-law.ts does the statistics): a target table model
 * and a related draft, and the sampling setups worth covering (plain sampling, temperature with nucleus, greedy).
 */
import { describe, expect, it } from 'vitest';
import type { TreeBuilder } from '../../src/core/builders/types';
import type { SamplingParams } from '../../src/core/sampling';
import { checkStepLaw, SIGNIFICANCE } from './exact-law';
import { TableLm } from './table-lm';

const TARGET = new TableLm({ vocab: 6, order: 2, seed: 1 });
/** Close to the target, so steps accept often enough to exercise every branch of the verifier. */
const NEAR_DRAFT = new TableLm({ vocab: 6, order: 2, seed: 2, sharpness: 1, like: TARGET });

/** [name, sampling parameters, samples]. */
export type LawCase = [string, SamplingParams, number];

/** The default setups: enough samples for each to catch a real bias at SIGNIFICANCE. */
export const LAW_CASES: readonly LawCase[] = [
  ['temperature 1', { temperature: 1, topP: 1, topK: 0 }, 40_000],
  ['temperature 0.7, top-p 0.9', { temperature: 0.7, topP: 0.9, topK: 0 }, 20_000],
  ['temperature 0 (greedy)', { temperature: 0, topP: 1, topK: 0 }, 500],
];

/** One step of `builder` emits tokens with the target's law (first token and first two), and accepts some. */
export async function expectStepLaw(builder: TreeBuilder, params: SamplingParams, samples: number): Promise<void> {
  const law = await checkStepLaw({
    builder,
    target: TARGET,
    draft: NEAR_DRAFT,
    context: [3, 1],
    params,
    samples,
    seed: 7,
  });
  expect(law.first.pValue).toBeGreaterThan(SIGNIFICANCE);
  expect(law.joint.pValue).toBeGreaterThan(SIGNIFICANCE);
  expect(law.meanEmitted).toBeGreaterThan(1.5); // the tree is doing work
}

/** The suite: one test per setup, each with a fresh builder from `make`. */
export function describeStepLaw(make: () => TreeBuilder, cases: readonly LawCase[] = LAW_CASES): void {
  describe('exactness: one step emits tokens with the target law', () => {
    it.each(cases)('%s', (_, params, samples) => expectStepLaw(make(), params, samples));
  });
}
