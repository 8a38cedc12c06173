/**
 * Run metrics from step records (DESIGN.md §5). Field names and definitions follow vLLM's spec-decode metrics
 * (and llama.cpp / SGLang, which report the same quantities), so numbers from this engine compare with theirs:
 *   draft_n = draft tokens proposed, draft_n_accepted = draft tokens accepted, verify_steps = target verify calls,
 *   mean_acceptance_length (tau) = 1 + draft_n_accepted / verify_steps (each step adds its accepted tokens plus
 *   one token of the target's own), acceptance rate per position as in vLLM's per-position counters.
 */
import type { StepRecord, StepTimings } from './step';

/** Metrics of one run. */
export interface Metrics {
  /** Draft tokens proposed (tree nodes besides the roots). */
  draft_n: number;
  /** Draft tokens accepted. */
  draft_n_accepted: number;
  /** Target verify calls (steps). */
  verify_steps: number;
  /** Draft forward calls. */
  draft_calls: number;
  /** draft_n_accepted / draft_n (0 when nothing was drafted). */
  acceptance_rate: number;
  /** tau = 1 + draft_n_accepted / verify_steps (0 for a run without steps). */
  mean_acceptance_length: number;
  /**
   * [maxDepth] entry d-1: among steps whose tree reached depth d, the fraction whose accepted path reached depth d
   * (vLLM's per-position acceptance rate, with trees of varying depth counted only where they had position d).
   */
  acceptance_rate_per_depth: number[];
  /** [maxAccepted + 1] entry a: steps that accepted exactly a draft tokens. */
  accepted_length_histogram: number[];
  /** Tokens appended to the output (after EOS / max-token cuts). */
  tokens_emitted: number;
  /** Wall milliseconds the rate is measured over. */
  wall_ms: number;
  /** tokens_emitted per wall second (0 when no time passed). */
  tokens_per_second: number;
  /** Where the time went, summed over steps (the steps' timing fields). */
  time_ms: StepTimings;
}

/**
 * @param wallMs wall time of the run, e.g. including prefill outside the steps; defaults to the steps' total time
 */
export function computeMetrics(steps: readonly StepRecord[], wallMs?: number): Metrics {
  let draftN = 0;
  let accepted = 0;
  let draftCalls = 0;
  let emitted = 0;
  const reached: number[] = []; // [depth] steps whose tree had a node at depth d + 1
  const acceptedAt: number[] = []; // [depth] steps whose accepted path reached depth d + 1
  const histogram: number[] = [];
  const time: StepTimings = { draft: 0, verify: 0, tree: 0, commit: 0, sampling: 0, total: 0 };

  for (const step of steps) {
    const n = step.tree.tokens.length;
    const a = step.acceptedPath.length - 1;
    draftN += n - 1;
    accepted += a;
    draftCalls += step.draftCalls;
    emitted += step.emitted.length;
    const depth = treeDepth(step.tree.parents);
    for (let d = 0; d < depth; d++) {
      reached[d] = (reached[d] ?? 0) + 1;
      acceptedAt[d] = (acceptedAt[d] ?? 0) + (d < a ? 1 : 0);
    }
    while (histogram.length <= a) histogram.push(0);
    histogram[a]++;
    for (const key of Object.keys(time) as (keyof StepTimings)[]) time[key] += step.timings[key];
  }

  const verifySteps = steps.length;
  const wall = wallMs ?? time.total;
  return {
    draft_n: draftN,
    draft_n_accepted: accepted,
    verify_steps: verifySteps,
    draft_calls: draftCalls,
    acceptance_rate: draftN > 0 ? accepted / draftN : 0,
    mean_acceptance_length: verifySteps > 0 ? 1 + accepted / verifySteps : 0,
    acceptance_rate_per_depth: reached.map((r, d) => acceptedAt[d] / r),
    accepted_length_histogram: histogram,
    tokens_emitted: emitted,
    wall_ms: wall,
    tokens_per_second: wall > 0 ? (emitted * 1000) / wall : 0,
    time_ms: time,
  };
}

/** Deepest node of a flat tree (parents before children). */
function treeDepth(parents: readonly number[]): number {
  const depths: number[] = [];
  let max = 0;
  parents.forEach((p, i) => {
    depths[i] = p < 0 ? 0 : depths[p] + 1;
    max = Math.max(max, depths[i]);
  });
  return max;
}

/**
 * Measured speedup: tokens/s of this run over tokens/s of the autoregressive run of the same prompt on the same
 * backend (DESIGN.md §5). NaN when the baseline has no rate.
 */
export function speedupVsAr(metrics: Metrics, arMetrics: Metrics): number {
  return arMetrics.tokens_per_second > 0 ? metrics.tokens_per_second / arMetrics.tokens_per_second : NaN;
}

/**
 * How close the engine runs to its limit: speedup / (tau · t1 / tN), where tau · t1 / tN is the speedup a free draft
 * and free bookkeeping would give (tau tokens per target call of cost tN instead of one token per call of cost t1).
 * @param t1 target forward time for 1 token
 * @param tN target forward time for the tree size in use
 */
export function efficiency(speedup: number, tau: number, t1: number, tN: number): number {
  return speedup / ((tau * t1) / tN);
}
