/**
 * Table drafts (issue 13): a draft distribution read off continuation counts instead of a network.
 *
 * An index answers "which tokens followed these k tokens, and how often" for k = 1 .. maxOrder. The distribution at
 * a tree node interpolates every order from the longest one that matched down to the index's unigram, with
 * Witten-Bell weights (Witten & Bell, 1991; the backoff of prompt-lookup / REST / SuffixDecoding-style drafts made
 * into a proper distribution):
 *
 *     q_0(x) = unigram(x)
 *     q_k(x) = (c_k(x) + d_k · q_{k-1}(x)) / (N_k + d_k)      k = 1 .. m
 *
 * where c_k are the counts after the last k tokens of the node's context, N_k their sum, d_k the number of distinct
 * continuations, and m the longest order with N_m > 0 (a k-gram that never occurs has no longer matches either).
 * q_m is a real distribution over the vocabulary, so every tree builder and the exact verifier use it unchanged.
 */

/** Sparse continuation counts of one order. */
export interface Continuations {
  /** [d] distinct tokens that followed the context. */
  tokens: number[];
  /** [d] how often each followed (may be scaled estimates for very frequent contexts, see suffix-index.ts). */
  counts: number[];
  /** Occurrences of the context with a continuation (the true N_k). */
  total: number;
}

/** What a table draft reads: continuation counts by order, and an order-0 distribution. */
export interface ContinuationIndex {
  /** Longest context (in tokens) a lookup uses. */
  readonly maxOrder: number;
  /**
   * Continuations of the last k tokens of `context`, for k = 1, 2, ... up to maxOrder: entry k - 1 is order k. The
   * list stops before the first order whose k tokens never occur with a following token.
   */
  match(context: ArrayLike<number>): Continuations[];
  /** [vocab] the order-0 distribution (token frequencies); uniform when the index holds nothing. */
  unigram(vocab: number): Float32Array;
}

/** A table distribution and how much context backed it. */
export interface TableDraft {
  /** [vocab] q_m. */
  dist: Float32Array;
  /** m: the longest order that matched (0: unigram only). */
  matchOrder: number;
}

/**
 * q_m at the end of `context` (see the file comment).
 * @param context tokens, the node's own token last
 */
export function tableDistribution(index: ContinuationIndex, context: ArrayLike<number>, vocab: number): TableDraft {
  return interpolate(index, index.match(context), vocab);
}

/**
 * q_m from the continuations `match` found (entry k - 1 = order k).
 * q = baseScale · unigram + sparse, where the sparse part (the few tokens any order saw) is scaled in place as each
 * order is interpolated, so the vocabulary is walked once at the end.
 */
export function interpolate(index: ContinuationIndex, orders: readonly Continuations[], vocab: number): TableDraft {
  let baseScale = 1;
  const touched: number[] = [];
  const weight = new Float64Array(vocab); // [vocab] sparse part, nonzero only at `touched`
  for (const { tokens, counts } of orders) {
    let sampled = 0;
    for (const c of counts) sampled += c;
    const distinct = tokens.length;
    const keep = distinct / (sampled + distinct); // d / (N + d): mass left to the lower orders
    const add = 1 / (sampled + distinct);
    baseScale *= keep;
    for (const t of touched) weight[t] *= keep;
    for (let i = 0; i < distinct; i++) {
      const t = tokens[i];
      if (t >= vocab) continue;
      if (weight[t] === 0) touched.push(t);
      weight[t] += counts[i] * add;
    }
  }
  const unigram = index.unigram(vocab);
  const dist = new Float32Array(vocab); // [vocab]
  for (let i = 0; i < vocab; i++) dist[i] = unigram[i] * baseScale;
  for (const t of touched) dist[t] += weight[t];
  return { dist, matchOrder: orders.length };
}

/** Counts of a token array as a distribution over [0, vocab); uniform when nothing falls inside. */
export function frequencies(tokens: ArrayLike<number>, length: number, vocab: number): Float32Array {
  const dist = new Float32Array(vocab); // [vocab]
  let total = 0;
  for (let i = 0; i < length; i++) {
    const t = tokens[i];
    if (t >= 0 && t < vocab) {
      dist[t]++;
      total++;
    }
  }
  if (total === 0) return dist.fill(1 / vocab);
  for (let i = 0; i < vocab; i++) dist[i] /= total;
  return dist;
}
