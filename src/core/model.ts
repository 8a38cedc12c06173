/**
 * The model contract (DESIGN.md §3): a causal language model with an explicit key/value cache that can be fed
 * a whole token tree in one call and rolled back to the accepted path afterwards.
 */
export interface LanguageModel {
  /** Rows of the logits each forward returns per token (may include padding rows past the tokenizer's vocabulary). */
  readonly vocabSize: number;
  /** Largest absolute position the model supports (max_position_embeddings). */
  readonly maxPositions: number;
  /** Rows currently held in the key/value cache. */
  readonly pastLength: number;
  /**
   * Runs the model on `n` new tokens and appends their `n` rows to the cache.
   * @param tokens [n] token ids
   * @param positions [n] absolute positions (rotary embedding index)
   * @param bias [n, past + n] row-major additive attention bias: 0 where attention is allowed, -Infinity elsewhere
   * @returns [n, vocabSize] row-major logits
   */
  forward(tokens: ArrayLike<number>, positions: ArrayLike<number>, bias: Float32Array): Promise<Float32Array>;
  /** Keeps the listed rows of the `past + n` cache rows, in the given order, and drops the rest. */
  commit(keep: readonly number[]): Promise<void>;
  /** Empties the cache. */
  reset(): void;
}
