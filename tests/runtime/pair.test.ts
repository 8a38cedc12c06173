import { describe, expect, it } from 'vitest';
import { VocabularyMismatchError } from '../../src/runtime/errors';
import { checkVocabularyPair } from '../../src/runtime/pair';
import { createTokenizer } from '../../src/runtime/tokenizer';
import type { FixtureTokenizerOptions } from '../helpers/fixture-model';
import { FIXTURE_VOCAB, fixtureTokenizer } from '../helpers/fixture-model';

const side = (options: FixtureTokenizerOptions = {}, padding = 8) => ({
  vocab: createTokenizer(fixtureTokenizer(options)),
  embeddingRows: FIXTURE_VOCAB + (options.extraSpecial?.length ?? 0) + padding,
});

describe('checkVocabularyPair', () => {
  it('accepts identical vocabularies', () => {
    expect(() => checkVocabularyPair(side(), side())).not.toThrow();
  });

  it('accepts a difference in padding rows only', () => {
    expect(() => checkVocabularyPair(side({}, 0), side({}, 64))).not.toThrow();
  });

  it('names the first differing id and both strings', () => {
    const run = () => checkVocabularyPair(side(), side({ rename: { id: 100, to: 'XYZ' } }));
    expect(run).toThrow(VocabularyMismatchError);
    expect(run).toThrow(/token id 100 is "a" in the draft and "XYZ" in the target/);
    try {
      run();
    } catch (err) {
      expect((err as VocabularyMismatchError).tokenId).toBe(100);
    }
  });

  it('rejects a tokenizer with extra tokens, and a differing special token', () => {
    expect(() => checkVocabularyPair(side({ extraSpecial: ['<tool>'] }), side())).toThrow(
      new RegExp(`token id ${FIXTURE_VOCAB} is "<tool>" in the draft and <no token> in the target`),
    );
    const nonSpecial = side();
    const specials = new Map(nonSpecial.vocab.specialTokens);
    specials.delete(2);
    const target = { ...nonSpecial, vocab: { ...nonSpecial.vocab, specialTokens: specials } };
    expect(() => checkVocabularyPair(side(), target)).toThrow(
      /token id 2 \("<\|im_end\|>"\) is special in the draft but not the target/,
    );
  });

  it('rejects an embedding smaller than the tokenizer', () => {
    expect(() => checkVocabularyPair(side({}, -1), side())).toThrow(
      /the draft's embedding has 263 rows but the tokenizer has 264 tokens/,
    );
  });
});
