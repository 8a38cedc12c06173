/**
 * Paired bootstrap over prompts (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13: percentile
 * intervals): how much a bench figure moves if the prompts had been another draw of the same kind. Every strategy
 * ran on every prompt, so one set of resamples serves all rows and a ratio of two rows is resampled as a pair,
 * which keeps the prompt's own difficulty (shared by both rows) out of the ratio's interval.
 *
 * The interval covers prompt-to-prompt variation and each prompt's timing noise; it cannot see noise that moved
 * every prompt of one strategy alike (a slow minute of the machine during one row).
 */
import { Rng } from './rng';

/** One run of one strategy on one prompt. */
export interface PromptRun {
  tokens: number;
  wallMs: number;
}

/** Resamples with replacement of n paired units: [count][n] unit indices, drawn from `seed`. */
export function bootstrapResamples(n: number, count: number, seed: number): Int32Array[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bootstrap needs at least one unit, got ${n}`);
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const pick = new Int32Array(n);
    for (let i = 0; i < n; i++) pick[i] = Math.min(n - 1, Math.floor(rng.next() * n));
    return pick;
  });
}

/** Tokens per millisecond over the picked prompts (a prompt picked twice counts twice). */
export function pickedRate(runs: readonly PromptRun[], pick: ArrayLike<number>): number {
  let tokens = 0;
  let wall = 0;
  for (let i = 0; i < pick.length; i++) {
    tokens += runs[pick[i]].tokens;
    wall += runs[pick[i]].wallMs;
  }
  return wall > 0 ? tokens / wall : NaN;
}

/**
 * The central `level` percentile interval of `values` (the type-7 quantile, as numpy's default), NaNs dropped.
 * @returns [low, high], or [NaN, NaN] when nothing is left
 */
export function percentileInterval(values: readonly number[], level = 0.95): [number, number] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [NaN, NaN];
  const quantile = (q: number): number => {
    const h = (sorted.length - 1) * q;
    const lo = Math.floor(h);
    return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
  };
  const tail = (1 - level) / 2;
  return [quantile(tail), quantile(1 - tail)];
}

/**
 * Interval of (rate of `runs` / rate of `baseline`) over the resamples, e.g. a speedup vs `ar` from each prompt's
 * tokens and wall time; `runs[i]` and `baseline[i]` are the same prompt.
 */
export function ratioInterval(
  runs: readonly PromptRun[],
  baseline: readonly PromptRun[],
  resamples: readonly Int32Array[],
  level = 0.95,
): [number, number] {
  if (runs.length !== baseline.length) {
    throw new RangeError(`paired runs differ in length: ${runs.length} vs ${baseline.length}`);
  }
  return percentileInterval(
    resamples.map((pick) => pickedRate(runs, pick) / pickedRate(baseline, pick)),
    level,
  );
}
