/**
 * The draft/target pair check. Speculative decoding hands token ids from one model to the other, so both must mean
 * the same string by the same id. The tokenizers must agree id for id (token strings and which tokens are special);
 * the models' embeddings may differ in padding rows only (config vocab_size rounded up past the tokenizer's size).
 */
import { VocabularyMismatchError } from './errors';
import type { VocabularyView } from './tokenizer';

/** One side of the pair: its tokenizer's vocabulary and its embedding rows (config vocab_size). */
export interface PairSide {
  vocab: VocabularyView;
  /** Rows of the embedding / logits (config vocab_size, padding included). */
  embeddingRows: number;
}

const show = (token: string | undefined): string => (token === undefined ? '<no token>' : JSON.stringify(token));

/**
 * Checks that a draft and a target share a vocabulary.
 * @throws VocabularyMismatchError naming the first id whose token differs and both strings, a token special in one
 *   tokenizer only, or an embedding with fewer rows than the tokenizer has tokens
 */
export function checkVocabularyPair(draft: PairSide, target: PairSide): void {
  const size = Math.max(draft.vocab.vocabSize, target.vocab.vocabSize);
  for (let id = 0; id < size; id++) {
    const a = draft.vocab.idToToken(id);
    const b = target.vocab.idToToken(id);
    if (a !== b) {
      throw new VocabularyMismatchError(
        id,
        `the draft and the target have different vocabularies: token id ${id} is ${show(a)} in the draft ` +
          `and ${show(b)} in the target (they must share a tokenizer; only padding rows may differ)`,
      );
    }
  }
  for (const [id, token] of draft.vocab.specialTokens) {
    if (!target.vocab.specialTokens.has(id)) {
      throw new VocabularyMismatchError(
        id,
        `token id ${id} (${show(token)}) is special in the draft but not the target`,
      );
    }
  }
  for (const [id, token] of target.vocab.specialTokens) {
    if (!draft.vocab.specialTokens.has(id)) {
      throw new VocabularyMismatchError(
        id,
        `token id ${id} (${show(token)}) is special in the target but not the draft`,
      );
    }
  }
  for (const [role, side] of [
    ['draft', draft],
    ['target', target],
  ] as const) {
    if (side.embeddingRows < size) {
      throw new VocabularyMismatchError(
        side.embeddingRows,
        `the ${role}'s embedding has ${side.embeddingRows} rows but the tokenizer has ${size} tokens`,
      );
    }
  }
}
