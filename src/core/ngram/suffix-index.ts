/**
 * A corpus datastore as a table draft (REST, Retrieval-Based Speculative Decoding, He et al., NAACL 2024; the
 * suffix structures of SuffixDecoding, Oliaro et al., 2024): a suffix array over the corpus read BACKWARDS, sorted by
 * each reversed suffix's first `maxOrder` tokens.
 *
 * Read backwards, "the k tokens before position j" is a prefix, so the occurrences of a context's last k + 1 tokens
 * are a sub-range of those of its last k: a lookup narrows one range order by order, each step two binary searches
 * on a single token, and never compares a whole k-gram. The continuation of an occurrence is the token just after
 * it in the corpus, i.e. just before it in the reversed text.
 *
 * Build: LSD radix sort (one stable counting-sort pass per key position, last position first), O(maxOrder ·
 * (n + vocab)) time and three n-long Int32Arrays, with progress after every pass.
 *
 * Counting: a range of at most SAMPLE_LIMIT occurrences is read whole (exact counts); a larger one (a common short
 * context) is read at SAMPLE_LIMIT evenly spaced entries, and the counts are scaled to the range's size. The range
 * is ordered by the tokens further left, so the even spacing is a systematic sample of the occurrences.
 */
import { frequencies, type ContinuationIndex, type Continuations } from './continuations';

/** Longest context the corpus draft matches. */
export const CORPUS_MAX_ORDER = 8;

/** Most occurrences of one order read per lookup (see the file comment). */
const SAMPLE_LIMIT = 32;

/** Called after each radix pass with the fraction done (0..1]. */
export type BuildProgress = (fraction: number) => void;

/** A suffix array datastore over a token corpus. */
export class SuffixIndex implements ContinuationIndex {
  private unigramCache: Float32Array | null = null;

  private constructor(
    /** [n] the corpus reversed: reversed[p] = corpus[n - 1 - p]. */
    private readonly reversed: Int32Array,
    /** [n] start positions in `reversed`, sorted by their first maxOrder tokens. */
    private readonly order: Int32Array,
    readonly maxOrder: number,
  ) {}

  /** Number of tokens in the corpus. */
  get size(): number {
    return this.reversed.length;
  }

  /**
   * Builds the index (see the file comment).
   * @param corpus token ids >= 0 (documents may be concatenated, e.g. separated by EOS)
   */
  static build(corpus: ArrayLike<number>, maxOrder = CORPUS_MAX_ORDER, onProgress?: BuildProgress): SuffixIndex {
    const n = corpus.length;
    const reversed = new Int32Array(n);
    let buckets = 1;
    for (let i = 0; i < n; i++) {
      const t = corpus[i];
      if (!(t >= 0)) throw new RangeError(`corpus token ${i} is ${t}, not an id >= 0`);
      reversed[n - 1 - i] = t;
      if (t + 2 > buckets) buckets = t + 2;
    }
    let order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    let spare = new Int32Array(n);
    const count = new Int32Array(buckets + 1);
    for (let p = maxOrder - 1; p >= 0; p--) {
      // Key of suffix s at position p: its token + 1, or 0 past the end (shorter suffixes sort first).
      count.fill(0);
      for (let i = 0; i < n; i++) count[(order[i] + p < n ? reversed[order[i] + p] + 1 : 0) + 1]++;
      for (let b = 1; b <= buckets; b++) count[b] += count[b - 1];
      for (let i = 0; i < n; i++) {
        const s = order[i];
        spare[count[s + p < n ? reversed[s + p] + 1 : 0]++] = s;
      }
      [order, spare] = [spare, order];
      onProgress?.((maxOrder - p) / maxOrder);
    }
    return new SuffixIndex(reversed, order, maxOrder);
  }

  match(context: ArrayLike<number>): Continuations[] {
    const out: Continuations[] = [];
    const end = context.length;
    let lo = 0;
    let hi = this.order.length;
    for (let k = 0; k < Math.min(this.maxOrder, end); k++) {
      // Narrow [lo, hi) (suffixes agreeing on k tokens) to those whose token k is the context's k-th from the end.
      const token = context[end - 1 - k];
      lo = this.bound(k, token, lo, hi, false);
      hi = this.bound(k, token, lo, hi, true);
      const found = this.continuations(lo, hi);
      if (!found) break;
      out.push(found);
    }
    return out;
  }

  unigram(vocab: number): Float32Array {
    if (this.unigramCache?.length !== vocab) this.unigramCache = frequencies(this.reversed, this.size, vocab);
    return this.unigramCache;
  }

  /** First index in [lo, hi) whose token at offset k is >= (or, with `after`, >) `token` (past the end: -1). */
  private bound(k: number, token: number, lo: number, hi: number, after: boolean): number {
    const { reversed, order } = this;
    const n = reversed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = order[mid] + k;
      const t = at < n ? reversed[at] : -1;
      if (t < token || (after && t === token)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The continuations of the occurrences order[lo .. hi), exact or sampled (see the file comment). */
  private continuations(lo: number, hi: number): Continuations | null {
    const size = hi - lo;
    if (size <= 0) return null;
    const step = Math.max(1, size / SAMPLE_LIMIT);
    const counts = new Map<number, number>();
    let read = 0;
    for (let x = lo + step / 2 - 0.5; x < hi; x += step) {
      const p = this.order[Math.floor(x)];
      if (p === 0) continue; // the corpus's last token: nothing follows it
      const next = this.reversed[p - 1];
      counts.set(next, (counts.get(next) ?? 0) + 1);
      read++;
    }
    if (read === 0) return null;
    const scale = size / Math.ceil(size / step);
    return {
      tokens: [...counts.keys()],
      counts: [...counts.values()].map((c) => c * scale),
      total: Math.round(read * scale),
    };
  }
}
