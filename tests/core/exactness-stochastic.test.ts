/**
 * Lossless at temperature > 0 (DESIGN.md §4): for every strategy, one speculative step's output (continued by the
 * target where the step stops) follows the target's law: the first token and the first two tokens jointly, over
 * random target/draft tables, each case with 100k seeded samples and a chi-square test at SIGNIFICANCE.
 * Negative controls show that the same check catches a subtly wrong verifier or builder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedTreeBuilder } from '../../src/core/builders/fixed';
import type { TreeBuilder } from '../../src/core/builders/types';
import { normalizeInPlace, sampleIndex, type SamplingParams } from '../../src/core/sampling';
import { builderFor, parseResolvedStrategy } from '../../src/core/strategy';
import { checkStepLaw, SIGNIFICANCE, type StepCase, type Verifier } from '../helpers/exact-law';
import { TableLm } from '../helpers/table-lm';

const SAMPLES = 100_000;

const STRATEGIES = [
  'ar',
  'chain:1',
  'chain:3',
  'tree:2',
  'tree:3x2',
  'tree:4x2x1',
  'sequoia:10:3',
  'dyspec:10',
  'dyspec-cal:10',
  'dyspec-t:0.05:12',
];

const caseArb = fc.record({
  vocab: fc.integer({ min: 4, max: 6 }),
  order: fc.integer({ min: 1, max: 2 }),
  draftOrder: fc.integer({ min: 1, max: 2 }),
  sharpness: fc.double({ min: 1, max: 3, noNaN: true }),
  noise: fc.double({ min: 0.4, max: 2, noNaN: true }),
  temperature: fc.constantFrom(0.6, 1, 1.5),
  topP: fc.constantFrom(1, 1, 0.85),
  topK: fc.constantFrom(0, 0, 3),
  context: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  seed: fc.nat(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function stepCase(c: Case): StepCase {
  const target = new TableLm({ vocab: c.vocab, order: c.order, seed: c.seed, sharpness: c.sharpness });
  const draft = new TableLm({
    vocab: c.vocab,
    order: c.draftOrder,
    seed: c.seed + 1,
    sharpness: c.noise,
    like: target,
  });
  const params: SamplingParams = { temperature: c.temperature, topP: c.topP, topK: c.topK };
  return { target, draft, params, context: c.context.map((t) => t % c.vocab) };
}

describe('temperature > 0: one step follows the target law', () => {
  it.each(STRATEGIES)('%s', async (strategy) => {
    const builder = builderFor(parseResolvedStrategy(strategy));
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const result = await checkStepLaw({ ...stepCase(c), builder, samples: SAMPLES, seed: c.seed });
        expect(result.first.pValue).toBeGreaterThan(SIGNIFICANCE);
        expect(result.joint.pValue).toBeGreaterThan(SIGNIFICANCE);
        if (strategy !== 'ar') expect(result.meanEmitted).toBeGreaterThan(1.05); // drafts do get accepted
      }),
      { seed: 4242, numRuns: 2 },
    );
  });
});

/** verifyTree with one deliberate mistake, for the negative controls. */
function brokenVerifier(mistake: 'bonus from p' | 'no residual update'): Verifier {
  return (tree, targetDist, _greedy, rng) => {
    const acceptedPath = [0];
    for (let node = 0; ;) {
      const p = targetDist(node);
      let residual = p;
      let accepted = -1;
      for (const child of tree.children[node]) {
        const drawnFrom = tree.sampledFrom[child] as Float32Array;
        const token = tree.tokens[child];
        if (rng.next() * drawnFrom[token] < residual[token]) {
          accepted = child;
          break;
        }
        if (mistake !== 'no residual update') {
          residual = residual.map((r, i) => Math.max(r - drawnFrom[i], 0));
          normalizeInPlace(residual);
        }
      }
      if (accepted < 0) {
        const bonus = sampleIndex(mistake === 'bonus from p' ? p : residual, rng);
        return { acceptedPath, bonusToken: bonus, decisions: [], targetProbs: [] };
      }
      acceptedPath.push(accepted);
      node = accepted;
    }
  };
}

/** fixedTreeBuilder, but every sibling claims to come from the parent's full distribution. */
function mislabelledBuilder(branching: number[]): TreeBuilder {
  const inner = fixedTreeBuilder(branching);
  return async (ctx) => {
    await inner(ctx);
    const { tree } = ctx;
    for (const kids of tree.children) kids.forEach((k) => (tree.sampledFrom[k] = tree.sampledFrom[kids[0]]));
  };
}

describe('negative controls: the law check has power', () => {
  const c = stepCase({
    vocab: 5,
    order: 2,
    draftOrder: 1,
    sharpness: 2,
    noise: 1.5,
    temperature: 1,
    topP: 1,
    topK: 0,
    context: [1, 3],
    seed: 77,
  });
  const run = (builder: TreeBuilder, verify?: Verifier) =>
    checkStepLaw({ ...c, builder, samples: SAMPLES, seed: 5, verify });

  it('passes the real verifier on the control case', async () => {
    expect((await run(fixedTreeBuilder([3, 2]))).joint.pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it.each(['bonus from p', 'no residual update'] as const)('catches a verifier with "%s"', async (mistake) => {
    const result = await run(fixedTreeBuilder([3, 2]), brokenVerifier(mistake));
    expect(Math.min(result.first.pValue, result.joint.pValue)).toBeLessThan(SIGNIFICANCE);
  });

  it('catches a builder that stores the wrong sampling distribution for later siblings', async () => {
    const result = await run(mislabelledBuilder([3, 2]));
    expect(Math.min(result.first.pValue, result.joint.pValue)).toBeLessThan(SIGNIFICANCE);
  });
});
