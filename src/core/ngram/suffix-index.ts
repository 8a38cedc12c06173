/**
 * A corpus datastore as a table draft (REST, Retrieval-Based Speculative Decoding, He et al., NAACL 2024; the
 * suffix structures of SuffixDecoding, Oliaro et al., 2024): a suffix array over a token corpus, sorted by each
 * suffix's first `maxOrder + 1` tokens, so the occurrences of any k-gram (k <= maxOrder) are one contiguous range
 * and, inside it, grouped by the token that follows.
 *
 * Build: LSD radix sort (one stable counting-sort pass per key position, last position first), O((maxOrder + 1) ·
 * (n + vocab)) time and three n-long Int32Arrays, with progress after every pass. A truncated sort is all the lookups
 * need and avoids the comparison sort's n log n string compares.
 *
 * Lookup of order k: two binary searches for the range of suffixes starting with the query's last k tokens. Ranges
 * of common short contexts can hold millions of entries, so at most SAMPLE_LIMIT evenly spaced entries are read to
 * find the frequent continuations, and each one's exact count comes from the bounds of its group (two more binary
 * searches); continuations rarer than 1 / SAMPLE_LIMIT of the range may be missed, their mass stays with the lower
 * orders.
 */
import { frequencies, type ContinuationIndex, type Continuations } from './continuations';

/** Longest context the corpus draft matches. */
export const CORPUS_MAX_ORDER = 8;

/** Most entries of one range read per lookup (see the file comment). */
const SAMPLE_LIMIT = 64;

/** Called after each radix pass with the fraction done (0..1]. */
export type BuildProgress = (fraction: number) => void;

/** A suffix array datastore over a token corpus. */
export class SuffixIndex implements ContinuationIndex {
  private unigramCache: Float32Array | null = null;

  private constructor(
    /** [n] the corpus. */
    readonly tokens: Int32Array,
    /** [n] start positions, sorted by their first maxOrder + 1 tokens. */
    private readonly order: Int32Array,
    readonly maxOrder: number,
  ) {}

  /** Number of tokens in the corpus. */
  get size(): number {
    return this.tokens.length;
  }

  /**
   * Builds the index (see the file comment).
   * @param corpus token ids >= 0 (documents may be concatenated, e.g. separated by EOS)
   */
  static build(corpus: ArrayLike<number>, maxOrder = CORPUS_MAX_ORDER, onProgress?: BuildProgress): SuffixIndex {
    const n = corpus.length;
    const tokens = Int32Array.from(corpus);
    let buckets = 1;
    for (let i = 0; i < n; i++) {
      if (!(tokens[i] >= 0)) throw new RangeError(`corpus token ${i} is ${tokens[i]}, not an id >= 0`);
      if (tokens[i] + 2 > buckets) buckets = tokens[i] + 2;
    }
    let order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    let spare = new Int32Array(n);
    const count = new Int32Array(buckets + 1);
    const passes = maxOrder + 1;
    for (let p = passes - 1; p >= 0; p--) {
      // Key of suffix s at position p: its token + 1, or 0 past the end (shorter suffixes sort first).
      count.fill(0);
      for (let i = 0; i < n; i++) count[(order[i] + p < n ? tokens[order[i] + p] + 1 : 0) + 1]++;
      for (let b = 1; b <= buckets; b++) count[b] += count[b - 1];
      for (let i = 0; i < n; i++) {
        const s = order[i];
        spare[count[s + p < n ? tokens[s + p] + 1 : 0]++] = s;
      }
      [order, spare] = [spare, order];
      onProgress?.((passes - p) / passes);
    }
    return new SuffixIndex(tokens, order, maxOrder);
  }

  match(context: ArrayLike<number>): Continuations[] {
    const out: Continuations[] = [];
    const deepest = Math.min(this.maxOrder, context.length);
    for (let k = 1; k <= deepest; k++) {
      const found = this.continuationsOf(context, context.length - k, k);
      if (!found) break;
      out.push(found);
    }
    return out;
  }

  unigram(vocab: number): Float32Array {
    if (this.unigramCache?.length !== vocab) this.unigramCache = frequencies(this.tokens, this.tokens.length, vocab);
    return this.unigramCache;
  }

  /** Continuations of `pattern[from .. from + k)`, or null when it never occurs with a following token. */
  private continuationsOf(pattern: ArrayLike<number>, from: number, k: number): Continuations | null {
    const lo = this.bound(pattern, from, k, -1, 0, this.order.length, false);
    const hi = this.bound(pattern, from, k, -1, lo, this.order.length, true);
    // Entries whose suffix ends right after the k-gram have no continuation; they sort first in the range.
    const first = this.bound(pattern, from, k, 0, lo, hi, false);
    const total = hi - first;
    if (total <= 0) return null;
    const tokens: number[] = [];
    const counts: number[] = [];
    const step = Math.max(1, total / SAMPLE_LIMIT);
    for (let x = first + Math.floor(step / 2); x < hi;) {
      const next = this.tokens[this.order[x] + k];
      const start = this.groupBound(k, next, first, x + 1, false);
      const stop = this.groupBound(k, next, x, hi, true);
      tokens.push(next);
      counts.push(stop - start);
      x = Math.max(stop, first + Math.floor((Math.floor((stop - first) / step) + 0.5) * step));
    }
    return { tokens, counts, total };
  }

  /**
   * First index in [lo, hi) whose suffix is >= (or, with `after`, >) the key: the k tokens `pattern[from ..)`,
   * followed, when `next` >= 0, by that next token (next = 0 with k tokens means "any continuation at all").
   */
  private bound(
    pattern: ArrayLike<number>,
    from: number,
    k: number,
    next: number,
    lo: number,
    hi: number,
    after: boolean,
  ): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(this.order[mid], pattern, from, k, next);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Sign of (suffix at `s`) vs the key. With `next` = 0 the key is the k tokens then the smallest real token, so
   * suffixes that end after k tokens compare below it and those with any continuation at or above it.
   */
  private compare(s: number, pattern: ArrayLike<number>, from: number, k: number, next: number): number {
    const n = this.tokens.length;
    for (let i = 0; i < k; i++) {
      if (s + i >= n) return -1;
      const d = this.tokens[s + i] - pattern[from + i];
      if (d !== 0) return d;
    }
    if (next < 0) return 0;
    if (s + k >= n) return -1;
    return this.tokens[s + k] - next;
  }

  /** Within a range of one k-gram: first index whose continuation is >= (or, with `after`, >) `next`. */
  private groupBound(k: number, next: number, lo: number, hi: number, after: boolean): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.tokens[this.order[mid] + k];
      if (t < next || (after && t === next)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
