import { describe, expect, it } from 'vitest';
import { generate } from '../../src/core/generate';
import { computeMetrics, efficiency, speedupVsAr } from '../../src/core/metrics';
import type { StepRecord, StepTimings } from '../../src/core/step';
import { pathStep } from '../helpers/steps';
import { TableLm } from '../helpers/table-lm';

function step(parents: number[], acceptedPath: number[], emitted: number, draftCalls: number, t: number[]): StepRecord {
  const [draft, verify, tree, commit, sampling, total] = t;
  const timings: StepTimings = { draft, verify, tree, commit, sampling, total };
  return pathStep(parents, acceptedPath, { emitted: new Array<number>(emitted).fill(1), draftCalls, timings });
}

const STEPS = [
  step([-1, 0, 0, 1], [0, 1, 3], 3, 2, [2, 3, 1, 0.5, 0.5, 7]), // depth 2, accepted 2
  step([-1, 0], [0], 1, 1, [1, 3, 0, 0.5, 0.5, 5]), // depth 1, accepted 0
  step([-1, 0, 1, 2], [0, 1], 2, 3, [3, 4, 1, 1, 1, 10]), // depth 3, accepted 1
];

describe('computeMetrics', () => {
  it('counts drafts, acceptances and steps as vLLM does', () => {
    const m = computeMetrics(STEPS);
    expect(m.draft_n).toBe(7);
    expect(m.draft_n_accepted).toBe(3);
    expect(m.verify_steps).toBe(3);
    expect(m.draft_calls).toBe(6);
    expect(m.acceptance_rate).toBeCloseTo(3 / 7, 15);
    expect(m.mean_acceptance_length).toBe(2); // 1 + 3 / 3
    expect(m.tokens_emitted).toBe(6);
  });

  it('acceptance per depth counts only steps whose tree reached that depth', () => {
    const m = computeMetrics(STEPS);
    // depth 1: all 3 trees, 2 accepted paths reach it; depth 2: steps 1 and 3, only step 1; depth 3: step 3, no.
    expect(m.acceptance_rate_per_depth).toEqual([2 / 3, 1 / 2, 0]);
    expect(m.accepted_length_histogram).toEqual([1, 1, 1]);
  });

  it('sums the time split and derives tokens per second from the steps or a given wall time', () => {
    const m = computeMetrics(STEPS);
    expect(m.time_ms).toEqual({ draft: 6, verify: 10, tree: 2, commit: 2, sampling: 2, total: 22 });
    expect(m.wall_ms).toBe(22);
    expect(m.tokens_per_second).toBeCloseTo(6000 / 22, 12);
    expect(computeMetrics(STEPS, 30).tokens_per_second).toBe(200);
  });

  it('is all zeros for a run without steps', () => {
    const m = computeMetrics([]);
    expect(m).toMatchObject({ draft_n: 0, verify_steps: 0, mean_acceptance_length: 0, tokens_per_second: 0 });
    expect(m.acceptance_rate_per_depth).toEqual([]);
    expect(m.accepted_length_histogram).toEqual([]);
  });

  it('reads real records: the autoregressive baseline has tau = 1 and drafts nothing', async () => {
    const target = new TableLm({ vocab: 20, order: 2, seed: 1 });
    let clock = 0;
    const run = await generate({
      draft: null,
      target,
      prompt: [1, 2, 3],
      strategy: 'ar',
      params: { temperature: 0, topP: 1, topK: 0 },
      maxNewTokens: 5,
      seed: 1,
      now: () => (clock += 1),
    });
    const m = computeMetrics(run.steps);
    expect(m).toMatchObject({ draft_n: 0, draft_n_accepted: 0, verify_steps: 5, mean_acceptance_length: 1 });
    expect(m.tokens_emitted).toBe(5);
    expect(m.accepted_length_histogram).toEqual([5]);
    expect(m.acceptance_rate_per_depth).toEqual([]);
  });
});

describe('speedup and efficiency', () => {
  it('speedup is the ratio of tokens per second; efficiency divides by tau · t1 / tN', () => {
    const fast = computeMetrics(STEPS, 30); // 200 tokens/s
    const ar = computeMetrics(STEPS, 60); // 100 tokens/s
    expect(speedupVsAr(fast, ar)).toBe(2);
    expect(speedupVsAr(fast, computeMetrics([]))).toBeNaN();
    expect(efficiency(2, 2, 10, 12)).toBeCloseTo(1.2, 12);
    expect(efficiency(1.5, 3, 10, 20)).toBe(1); // at the limit
  });
});
