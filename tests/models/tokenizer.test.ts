/**
 * The bundled byte-level BPE tokenizer, read through the project's loader (fetchModelFiles -> createTokenizer):
 * encode -> decode is byte-exact for any valid Unicode text (fixed hard cases and fast-check properties), the
 * special tokens are ids 0 and 1 as the model cards say, and the runtime keeps them as text when decoding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelFiles } from '../../src/runtime/load';
import { fetchModelFiles } from '../../src/runtime/load';
import type { HfTextTokenizer } from '../../src/runtime/tokenizer';
import { bundledDir } from '../helpers/bundled-models';

const BOS = 0;
const EOS = 1;
const VOCAB = 4096;
/** fast-check runs per property: enough to hit odd scripts and whitespace, small enough for a quick suite. */
const RUNS = 300;

let target: ModelFiles;
let draft: ModelFiles;
let tok: HfTextTokenizer;

beforeAll(async () => {
  [target, draft] = await Promise.all([
    fetchModelFiles(bundledDir('specdec-target'), { role: 'target' }),
    fetchModelFiles(bundledDir('specdec-draft'), { role: 'draft' }),
  ]);
  tok = target.tokenizer;
});

/** Text only: the round trip is about the text; BOS is checked separately below. */
const PLAIN = { addSpecialTokens: false } as const;

const utf8 = (text: string): number[] => [...new TextEncoder().encode(text)];

/** encode -> decode must give the same string, and so the same UTF-8 bytes; no special id appears by accident. */
function expectRoundTrip(text: string, tokenizer: HfTextTokenizer = tok): number[] {
  const ids = tokenizer.encode(text, PLAIN);
  const back = tokenizer.decode(ids);
  expect(back).toBe(text);
  expect(utf8(back)).toEqual(utf8(text));
  for (const id of ids) {
    expect(Number.isInteger(id) && id >= 0 && id < VOCAB, `id ${id} in range`).toBe(true);
    if (!text.includes('<|')) expect(id, 'no special id for plain text').toBeGreaterThan(EOS);
  }
  return ids;
}

const PASSAGES: Record<string, string> = {
  kjv:
    'In the beginning God created the heaven and the earth.\n' +
    'And the earth was without form, and void; and darkness was upon the face of the deep. ' +
    'And the Spirit of God moved upon the face of the waters.\n',
  mobyDick:
    'Call me Ishmael. Some years ago\u2014never mind how long precisely\u2014having little or no money in my purse, ' +
    'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part ' +
    'of the world.',
  sotu:
    'Fellow-Citizens of the Senate and House of Representatives: I embrace with great satisfaction the opportunity ' +
    'which now presents itself of congratulating you on the present favorable prospects of our public affairs.',
};

const CASES: Record<string, string> = {
  empty: '',
  'one space': ' ',
  'multiple spaces': 'a  b   c    d',
  'leading and trailing spaces': '   lead and trail   ',
  tabs: '\tindented\t\ttabs\t',
  newlines: 'one\ntwo\n\nthree\n\n\n',
  CRLF: 'line one\r\nline two\r\n\r\n',
  'lone CR': 'a\rb\r',
  'mixed whitespace': ' \t \n \r\n\u00a0\u2003\u3000 ',
  'accents precomposed': 'café naïve façade Ångström über',
  'combining marks': 'cafe\u0301 n\u0303 a\u0308\u0301\u0323 Z\u0351\u0352\u0353',
  CJK: '日本語のテキスト、中文文本，한국어 텍스트。',
  'emoji and ZWJ sequences': '👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏿‍🚀 ❤️‍🔥 🇫🇷🇯🇵',
  'variation selectors and joiners': '\u2764\ufe0f \u263a\ufe0e a\u200db\u200cc\u2060d\ufeff',
  'right-to-left': 'שלום עולם مرحبا بالعالم',
  'astral plane': '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𓀀 \u{10ffff}',
  numbers: '0 1 42 3.14159 -273.15 1,000,000 1e-9 0x7f 2024-06-01 12:30:45',
  punctuation: `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~ — – … « » “ ” ‘ ’ ¿¡`,
  contractions: "I'm you're he's we'll they'd can't won't it's O'Brien's",
  'control characters': 'nul\u0000 bell\u0007 esc\u001b del\u007f',
  'special-looking text': '<|bo|> <| bos |> <|BOS|> < |eos| > <|',
  ...PASSAGES,
};

describe('the bundled tokenizer: special tokens', () => {
  it('has <|bos|> = 0 and <|eos|> = 1, as the model cards and configs say', () => {
    for (const files of [target, draft]) {
      const t = files.tokenizer;
      expect(t.vocabSize).toBe(VOCAB);
      expect(t.bosTokenId).toBe(BOS);
      expect(t.eosTokenIds).toEqual([EOS]);
      expect([...t.specialTokens]).toEqual([
        [BOS, '<|bos|>'],
        [EOS, '<|eos|>'],
      ]);
      expect(t.idToToken(BOS)).toBe('<|bos|>');
      expect(t.idToToken(EOS)).toBe('<|eos|>');
      expect(files.config.bosTokenId).toBe(BOS);
      expect(files.config.eosTokenIds).toEqual([EOS]);
    }
    for (const name of ['specdec-target', 'specdec-draft'] as const) {
      const card = readFileSync(join(bundledDir(name), 'README.md'), 'utf8');
      expect(card).toContain('`<|bos|>` = 0');
      expect(card).toContain('`<|eos|>` = 1');
    }
  });

  it('adds no special token when asked not to, and never emits 0 or 1 for plain text', () => {
    for (const text of Object.values(PASSAGES)) {
      const ids = tok.encode(text, { addSpecialTokens: false });
      expect(ids).not.toContain(BOS);
      expect(ids).not.toContain(EOS);
      expect(ids.at(-1)).not.toBe(EOS);
    }
  });

  it('keeps special tokens as their text when decoding (exact decode, nothing skipped)', () => {
    const text = PASSAGES.kjv;
    const ids = tok.encode(text, { addSpecialTokens: false });
    expect(tok.decode([BOS, ...ids, EOS])).toBe(`<|bos|>${text}<|eos|>`);
    expect(tok.decode([BOS])).toBe('<|bos|>');
    expect(tok.decode([EOS, EOS])).toBe('<|eos|><|eos|>');
    expect(tok.tokenText(BOS)).toBe('<|bos|>');
    expect(tok.tokenText(EOS)).toBe('<|eos|>');
    expect(tok.tokenText(VOCAB)).toBe(`<unk:${VOCAB}>`);
  });

  it('reads special tokens written in the text back as their ids, so the round trip stays exact', () => {
    const plain = tok.encode('Hi', { addSpecialTokens: false });
    expect(tok.encode('<|bos|>Hi<|eos|>', { addSpecialTokens: false })).toEqual([BOS, ...plain, EOS]);
    expectRoundTrip('<|bos|>Hi<|eos|>');
    expectRoundTrip('text <|eos|><|bos|> more text');
  });
});

describe('the bundled tokenizer: byte-exact round trip', () => {
  it.each(Object.entries(CASES))('%s', (_, text) => {
    expectRoundTrip(text);
  });

  it('puts BOS in front of a prompt, as the models were trained (tokenizer_config add_bos_token)', () => {
    for (const text of Object.values(PASSAGES)) expect(tok.encode(text)).toEqual([BOS, ...tok.encode(text, PLAIN)]);
    expect(tok.encode('')).toEqual([BOS]);
    expect(tok.encode('<|bos|>Hi')).toEqual([BOS, ...tok.encode('Hi', PLAIN)]); // never twice
  });

  it('encodes the empty string to no ids and decodes no ids to the empty string', () => {
    expect(tok.encode('', PLAIN)).toEqual([]);
    expect(tok.decode([])).toBe('');
  });

  it('uses its merges on corpus-style text (about 3.9 bytes per token, per the model card)', () => {
    for (const [name, text] of Object.entries(PASSAGES)) {
      const ids = expectRoundTrip(text);
      expect(utf8(text).length / ids.length, name).toBeGreaterThan(3);
    }
    const the = tok.encode(' the', PLAIN);
    expect(the).toHaveLength(1); // one merged token
    expect(tok.idToToken(the[0])).toBe('\u0120the'); // byte-level spelling: Ġ stands for the space
  });

  it('round-trips every single byte value (as a code point) and every ASCII string of two characters', () => {
    for (let cp = 0; cp < 256; cp++) expectRoundTrip(String.fromCodePoint(cp));
    for (let a = 0; a < 128; a++) {
      for (let b = 0; b < 128; b += 11) expectRoundTrip(String.fromCharCode(a, b));
    }
  });

  it('turns a lone surrogate (not representable in UTF-8) into U+FFFD rather than failing', () => {
    expect(tok.decode(tok.encode('a\ud800b', PLAIN))).toBe('a\ufffdb');
  });
});

describe('the bundled tokenizer: properties (fast-check)', () => {
  /** Characters that break naive tokenizers: combining marks, joiners, selectors, CR/LF, astral emoji. */
  const hazard = fc.constantFrom(
    'e',
    'A',
    ' ',
    '  ',
    '\t',
    '\n',
    '\r\n',
    '\r',
    '\u0301',
    '\u0308',
    '\u200d',
    '\ufe0f',
    '👩',
    '🏽',
    '日',
    'ñ',
    "'",
    "'s",
    '.',
    '7',
    '<|',
    '|>',
    'bos',
  );

  it('decode(encode(s)) === s for grapheme strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (s) => {
        expectRoundTrip(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('decode(encode(s)) === s for strings of any Unicode code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        expectRoundTrip(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('decode(encode(s)) === s for mixes of combining marks, joiners, whitespace and special-token fragments', () => {
    fc.assert(
      fc.property(fc.string({ unit: hazard, maxLength: 48 }), (s) => {
        expectRoundTrip(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('concatenated round trips: decoding the ids of two texts joined gives the joined text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 24 }), fc.string({ unit: hazard }), (a, b) => {
        expectRoundTrip(a + b);
        expect(tok.decode([...tok.encode(a, PLAIN), ...tok.encode(b, PLAIN)])).toBe(a + b);
      }),
      { numRuns: RUNS },
    );
  });

  it('the draft tokenizer encodes exactly as the target one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 48 }), (s) => {
        expect(draft.tokenizer.encode(s, PLAIN)).toEqual(tok.encode(s, PLAIN));
      }),
      { numRuns: RUNS / 3 },
    );
    for (const text of Object.values(CASES))
      expect(draft.tokenizer.encode(text, PLAIN)).toEqual(tok.encode(text, PLAIN));
  });
});
