import { describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '../../src/runtime/config';
import { createTokenizer } from '../../src/runtime/tokenizer';
import { CHATML_TEMPLATE, FIXTURE_VOCAB, fixtureConfigJson, fixtureTokenizer } from '../helpers/fixture-model';

const config = parseLlamaConfig(fixtureConfigJson());

describe('createTokenizer', () => {
  it('round-trips text through the fixture byte-level BPE', () => {
    const tok = createTokenizer({ ...fixtureTokenizer(), config });
    expect(tok.vocabSize).toBe(FIXTURE_VOCAB);
    for (const text of ['the cat in the hat', 'Ünïcödé ✓ 日本', '  spaces  and\nnewlines .,!', 'the . ,']) {
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
    }
    const ids = tok.encode(' the');
    expect(ids).toEqual([261]);
    expect(tok.idToToken(261)).toBe('Ġthe');
    expect(tok.tokenText(261)).toBe(' the');
    expect(tok.decode([])).toBe('');
    expect(tok.tokenText(FIXTURE_VOCAB + 3)).toBe(`<unk:${FIXTURE_VOCAB + 3}>`);
  });

  it('keeps special tokens whole and reports them', () => {
    const tok = createTokenizer({ ...fixtureTokenizer(), config });
    expect(tok.encode('<|im_start|>hi<|im_end|>')).toEqual([1, ...tok.encode('hi'), 2]);
    expect([...tok.specialTokens]).toEqual([
      [0, '<|endoftext|>'],
      [1, '<|im_start|>'],
      [2, '<|im_end|>'],
    ]);
  });

  it('adds BOS when tokenizer_config says add_bos_token, once', () => {
    const plain = createTokenizer({ ...fixtureTokenizer(), config });
    const bos = createTokenizer({ ...fixtureTokenizer({ addBos: true }), config });
    expect(plain.bosTokenId).toBe(0);
    expect(bos.encode('hi')).toEqual([0, ...plain.encode('hi')]);
    expect(bos.encode('hi', { addSpecialTokens: false })).toEqual(plain.encode('hi'));
    expect(bos.encode('<|endoftext|>hi')).toEqual([0, ...plain.encode('hi')]);
  });

  it('collects eos ids from tokenizer_config, generation_config and config', () => {
    const tok = createTokenizer({ ...fixtureTokenizer(), config, generationConfig: { eos_token_id: [2, 0] } });
    expect(tok.eosTokenIds.sort()).toEqual([0, 2]);
  });

  it('renders the chat template, and has none without one', () => {
    const tok = createTokenizer({ ...fixtureTokenizer(), config });
    expect(tok.applyChatTemplate?.([{ role: 'user', content: 'hi' }])).toBe(
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );
    const named = fixtureTokenizer({ chatTemplate: false });
    (named.tokenizerConfig as Record<string, unknown>).chat_template = [
      { name: 'tool_use', template: 'TOOLS' },
      { name: 'default', template: CHATML_TEMPLATE },
    ];
    expect(createTokenizer(named).applyChatTemplate?.([{ role: 'user', content: 'x' }])).toMatch(/^<\|im_start\|>user/);
    expect(createTokenizer(fixtureTokenizer({ chatTemplate: false })).applyChatTemplate).toBeNull();
    const separate = createTokenizer({
      ...fixtureTokenizer({ chatTemplate: false }),
      chatTemplate: '{{ messages[0].content }}!',
    });
    expect(separate.applyChatTemplate?.([{ role: 'user', content: 'x' }])).toBe('x!');
  });

  it('names the file at fault', () => {
    expect(() => createTokenizer({ tokenizerJson: { nope: 1 } })).toThrow(/tokenizer\.json: not a tokenizer/);
    const bad = fixtureTokenizer({ chatTemplate: false });
    (bad.tokenizerConfig as Record<string, unknown>).chat_template = '{% for %}';
    expect(() => createTokenizer(bad)).toThrow(/tokenizer_config\.json: chat_template does not parse/);
  });
});
