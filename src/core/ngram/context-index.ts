/**
 * The context as a table draft (prompt lookup decoding, as in Hugging Face's `prompt_lookup_num_tokens`, vLLM's and
 * llama.cpp's n-gram drafts): continuations of the node's last k tokens wherever they occur earlier in the prompt
 * plus the text generated so far.
 *
 * A step's context is a few hundred to a few thousand tokens, so one linear scan per lookup finds every order at
 * once: for each position j, the length of the common suffix of `text[0 .. j)` and the query says for which orders
 * `text[j]` is a continuation. No state is kept between steps; the index is made over the sequence as it stands.
 */
import { frequencies, type ContinuationIndex, type Continuations } from './continuations';

/** Longest context the prompt-lookup draft matches (longer matches change the distribution very little). */
export const CONTEXT_MAX_ORDER = 8;

/** Prompt lookup over `text[0 .. length)`. */
export class ContextIndex implements ContinuationIndex {
  private unigramCache: Float32Array | null = null;

  constructor(
    /** The sequence so far (prompt and generated tokens); only its first `length` tokens are read. */
    private readonly text: ArrayLike<number>,
    private readonly length: number = text.length,
    readonly maxOrder: number = CONTEXT_MAX_ORDER,
  ) {}

  match(context: ArrayLike<number>): Continuations[] {
    const { text, length } = this;
    const end = context.length;
    const deepest = Math.min(this.maxOrder, end);
    const byOrder: Map<number, number>[] = [];
    const last = context[end - 1];
    for (let j = 1; j < length; j++) {
      if (text[j - 1] !== last) continue;
      let common = 1;
      while (common < deepest && common < j && text[j - 1 - common] === context[end - 1 - common]) common++;
      const next = text[j];
      for (let k = 0; k < common; k++) {
        const counts = (byOrder[k] ??= new Map());
        counts.set(next, (counts.get(next) ?? 0) + 1);
      }
    }
    const out: Continuations[] = [];
    for (const counts of byOrder) {
      if (!counts) break;
      let total = 0;
      for (const c of counts.values()) total += c;
      out.push({ tokens: [...counts.keys()], counts: [...counts.values()], total });
    }
    return out;
  }

  unigram(vocab: number): Float32Array {
    if (this.unigramCache?.length !== vocab) this.unigramCache = frequencies(this.text, this.length, vocab);
    return this.unigramCache;
  }
}
