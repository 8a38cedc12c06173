/**
 * Measured forward latency t(n): how long one model call on n new tokens takes after `past` cached rows, on this
 * machine and backend (DESIGN.md §6). The median of several repeats, sizes interleaved across repeats so slow drift
 * (thermal, other processes) spreads over all sizes instead of biasing the last ones. After each timed call the
 * cache is rolled back to the `past` rows with `commit`, which is not timed.
 *
 * Pure apart from the clock, which is passed in: the CLI (Node) and the page's worker run the same measurement.
 */
import type { LatencyTable } from './budget';
import { isotonic } from './calibration';
import { treeAttention } from './mask';
import type { LanguageModel } from './model';
import { Rng } from './rng';

/** A measured t(n) table. */
export interface LatencyProfile extends LatencyTable {
  sizes: number[];
  /** [sizes] medians made non-decreasing in n (see `nonDecreasing`): what the budget chooser reads. */
  ms: number[];
  /** [sizes] the raw medians. */
  rawMs: number[];
  /** Cached rows before each timed call. */
  past: number;
  repeats: number;
}

/** What to measure. */
export interface LatencyOptions {
  sizes: readonly number[];
  past: number;
  repeats: number;
  /** Token ids are drawn below this (the shared vocabulary). */
  vocab: number;
  /** Millisecond clock. */
  now: () => number;
  /** Told at the start and after each forward call how many of the measurement's calls are done (for progress). */
  onCall?: (done: number, total: number) => void;
}

/** Sizes the `auto` chooser and the efficiency figure need by default (trees up to 64 draft nodes + root). */
export const DEFAULT_PROFILE_SIZES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 65];

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A chain of n tokens at positions past..past+n-1 (the cost of a tree of n nodes is the same for any shape). */
function chain(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i - 1);
}

/**
 * Measures t(n) for every size. Leaves the model's cache empty.
 * @throws RangeError when past + the largest size exceeds the model's positions
 */
export async function measureLatency(model: LanguageModel, options: LatencyOptions): Promise<LatencyProfile> {
  const { sizes, past, repeats, vocab } = options;
  const now = options.now;
  const largest = Math.max(...sizes);
  if (past < 1 || past + largest > model.maxPositions) {
    throw new RangeError(
      `past ${past} + size ${largest} must fit the model's ${model.maxPositions} positions (past >= 1)`,
    );
  }
  const total = 1 + 2 * (repeats + 1) * sizes.length; // the prefill, then per round two calls per size
  let done = 0;
  options.onCall?.(0, total);
  const forward = async (tokens: number[], positions: number[], bias: Float32Array): Promise<void> => {
    await model.forward(tokens, positions, bias);
    options.onCall?.(++done, total);
  };
  const rng = new Rng(7);
  const token = (): number => Math.floor(rng.next() * vocab);
  model.reset();
  const prefill = treeAttention(0, chain(past));
  await forward(Array.from({ length: past }, token), prefill.positions, prefill.bias);
  const keep = Array.from({ length: past }, (_, i) => i);
  const inputs = sizes.map((n) => ({ tokens: Array.from({ length: n }, token), ...treeAttention(past, chain(n)) }));
  const samples: number[][] = sizes.map(() => []);
  // One untimed round first: the first call of each shape pays for allocation and kernel selection. A strategy runs
  // one size step after step, but a call right after a wider one pays for the switch, and after a much wider one
  // for several calls (bundled target, 1 thread: t(1) read 1.8 ms for five calls after a 65-token call, 1.0-1.3 ms
  // after an 8-token one, 1.0 ms in a row). So each round goes from the widest size down, and each size runs twice
  // in a row with only the second call timed.
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a]);
  for (let r = -1; r < repeats; r++) {
    for (const i of order) {
      const { tokens, positions, bias } = inputs[i];
      await forward(tokens, positions, bias);
      await model.commit(keep);
      const start = now();
      await forward(tokens, positions, bias);
      const ms = now() - start;
      if (r >= 0) samples[i].push(ms);
      await model.commit(keep);
    }
  }
  model.reset();
  const raw = samples.map(median);
  return { sizes: [...sizes], ms: nonDecreasing(raw), rawMs: raw, past, repeats };
}

/**
 * The closest non-decreasing sequence in least squares (pool-adjacent-violators). More tokens never cost less, so a
 * dip is noise from other load on the machine; left in, it would make the chooser favour that size by accident.
 */
export function nonDecreasing(values: readonly number[]): number[] {
  return isotonic(
    values,
    values.map(() => 1),
  );
}
