/**
 * Logits to distributions (temperature, top-k, top-p) and drawing from them, with and without replacement.
 *
 * A distribution is a Float32Array over the vocabulary that sums to 1. Temperature 0 means greedy: the distribution
 * is one-hot on the argmax (ties go to the lowest id, as in Hugging Face's greedy search).
 */
import { InvalidSettingError } from './errors';
import { expNonPositive } from './exp';
import type { Rng } from './rng';

/** How a token is drawn from the model's logits. */
export interface SamplingParams {
  /** 0 = greedy; otherwise logits are divided by it before the softmax. */
  temperature: number;
  /** Nucleus: keep the smallest set of most likely tokens whose mass reaches topP (1 = off). In (0, 1]. */
  topP: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK: number;
}

/** Temperature 0, no filtering. */
export const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0 };

/** Throws an InvalidSettingError naming the first bad field. */
export function validateSamplingParams(params: SamplingParams): void {
  const { temperature, topP, topK } = params;
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new InvalidSettingError('temperature', `temperature must be a number >= 0, got ${temperature}`);
  }
  if (!Number.isFinite(topP) || topP <= 0 || topP > 1) {
    throw new InvalidSettingError('topP', `top-p must be in (0, 1], got ${topP}`);
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new InvalidSettingError('topK', `top-k must be an integer >= 0 (0 = off), got ${topK}`);
  }
}

/** Index of the largest value among the first `length` entries of `values` from `offset`; ties go to the lowest. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[offset + i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * The distribution a token is drawn from, given one row of logits.
 * @param logits row-major logits; the row is `logits[offset .. offset + vocab)`
 * @returns [vocab] probabilities
 */
export function logitsToDistribution(
  logits: Float32Array,
  params: SamplingParams,
  vocab: number,
  offset = 0,
): Float32Array {
  const dist = new Float32Array(vocab); // [vocab]
  if (params.temperature === 0) {
    dist[argmax(logits, offset, vocab)] = 1;
    return dist;
  }
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  if (!Number.isFinite(max)) throw new RangeError(`the model returned non-finite logits (row maximum ${max})`);
  const invT = 1 / params.temperature;
  let sum = 0;
  for (let i = 0; i < vocab; i++) {
    const e = expNonPositive((logits[offset + i] - max) * invT); // <= 0: the softmax is shifted by its maximum
    dist[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < vocab; i++) dist[i] *= inv;
  if ((params.topK > 0 && params.topK < vocab) || params.topP < 1) truncate(dist, params.topK, params.topP);
  return dist;
}

/**
 * Zeroes everything outside the top-k / top-p set in place and renormalises. Top-k is applied first and top-p to the
 * renormalised survivors, as Hugging Face's and vLLM's logits processors do.
 */
function truncate(dist: Float32Array, topK: number, topP: number): void {
  const order = sortedIndices(dist);
  const keepK = topK > 0 ? Math.min(topK, order.length) : order.length;
  let massK = 0;
  for (let r = 0; r < keepK; r++) massK += dist[order[r]];
  let kept = 0;
  let mass = 0;
  // Nucleus: the smallest prefix of the top-k whose share of the top-k mass reaches topP (always at least one token).
  while (kept < keepK && (kept === 0 || mass < topP * massK)) mass += dist[order[kept++]];
  for (let r = kept; r < order.length; r++) dist[order[r]] = 0;
  normalizeInPlace(dist);
}

/** Indices sorted by descending value; ties by ascending index (a stable, seed-independent order). */
export function sortedIndices(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx;
}

/** Divides by the sum in place; returns the sum (0 leaves the array unchanged). */
export function normalizeInPlace(dist: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < dist.length; i++) sum += dist[i];
  if (sum > 0) for (let i = 0; i < dist.length; i++) dist[i] /= sum;
  return sum;
}

/** Draws an index from `dist` by inverse CDF. Rounding at the tail falls back to the last index with mass. */
export function sampleIndex(dist: Float32Array, rng: Rng): number {
  let u = rng.next();
  let last = -1;
  for (let i = 0; i < dist.length; i++) {
    const p = dist[i];
    if (p <= 0) continue;
    last = i;
    u -= p;
    if (u < 0) return i;
  }
  if (last < 0) throw new Error('cannot sample from a distribution with no mass');
  return last;
}

/**
 * `norm(dist with token zeroed)`: the distribution the next sibling is drawn from when sampling without replacement.
 * @returns null when nothing is left
 */
export function withoutToken(dist: Float32Array, token: number): Float32Array | null {
  const rest = dist.slice();
  rest[token] = 0;
  return normalizeInPlace(rest) > 0 ? rest : null;
}

/**
 * Draws up to k distinct tokens without replacement (greedy = in order of probability).
 * @returns each token with the exact distribution it was drawn from (the first is `dist` itself)
 */
export function sampleWithoutReplacement(
  dist: Float32Array,
  k: number,
  rng: Rng,
  greedy: boolean,
): { token: number; from: Float32Array }[] {
  const out: { token: number; from: Float32Array }[] = [];
  let from: Float32Array | null = dist;
  while (from && out.length < k) {
    const token = greedy ? argmax(from) : sampleIndex(from, rng);
    out.push({ token, from });
    from = withoutToken(from, token);
  }
  return out;
}
