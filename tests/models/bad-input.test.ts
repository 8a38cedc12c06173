/**
 * Damaged copies of the bundled pair (copied to a temporary folder, the originals are never touched) must fail to
 * load with the runtime's clear errors: a draft tokenizer whose vocabulary differs from the target's gives
 * VocabularyMismatchError naming the first differing id and both strings (before any model is built), and a
 * truncated model.safetensors gives SafetensorsError naming the file and saying it is truncated (wrapped, for a
 * pair, in a PairSideError naming the side and its folder). The process keeps working afterwards.
 */
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelLoadError, PairSideError, SafetensorsError, VocabularyMismatchError } from '../../src/runtime/errors';
import type { ModelFactory } from '../../src/runtime/load';
import { loadModel, loadModelPair } from '../../src/runtime/load';
import type { BundledCopy } from '../helpers/bundled-models';
import { copyBundledPair } from '../helpers/bundled-models';
import { causalBias } from '../helpers/random-llama';

interface TokenizerJson {
  added_tokens: { id: number; content: string; special: boolean }[];
  model: { vocab: Record<string, number>; merges: unknown[] };
}

let copy: BundledCopy;
beforeEach(() => {
  copy = copyBundledPair();
});
afterEach(() => copy.cleanup());

/** Rewrites `<folder>/tokenizer.json` through `edit`. */
function editTokenizer(folder: string, edit: (tj: TokenizerJson) => void): void {
  const path = join(folder, 'tokenizer.json');
  const tj = JSON.parse(readFileSync(path, 'utf8')) as TokenizerJson;
  edit(tj);
  writeFileSync(path, JSON.stringify(tj));
}

/** The vocabulary string of an id. */
const tokenOf = (tj: TokenizerJson, id: number): string => {
  const entry = Object.entries(tj.model.vocab).find(([, v]) => v === id);
  if (!entry) throw new Error(`no token with id ${id}`);
  return entry[0];
};

/** A model factory that must never run (the pair check comes before any session is built). */
const neverBuilt = () =>
  vi.fn<ModelFactory>(async () => {
    throw new Error('a model was built despite the failed check');
  });

/** Loads the copied pair and returns the rejection (fails the test when loading succeeds). */
async function pairError(createModel?: ModelFactory): Promise<Error> {
  const err = await loadModelPair(copy.draft, copy.target, { backend: 'wasm', createModel }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'loading the damaged pair must fail').toBeInstanceOf(Error);
  return err as Error;
}

/** Cuts `<folder>/model.safetensors` to `bytes` (a function of its size). */
function truncateWeights(folder: string, bytes: (size: number) => number): number {
  const path = join(folder, 'model.safetensors');
  const size = bytes(statSync(path).size);
  truncateSync(path, size);
  return size;
}

describe('vocabulary mismatch between draft and target', () => {
  it('two tokens swapped in the draft: names the first differing id and both strings', async () => {
    let low = 0;
    let high = 0;
    editTokenizer(copy.draft, (tj) => {
      low = tj.model.vocab['\u0120the']; // "Ġthe"
      high = tj.model.vocab['\u0120and'];
      tj.model.vocab['\u0120the'] = high;
      tj.model.vocab['\u0120and'] = low;
    });
    expect(low).toBeLessThan(high);
    const createModel = neverBuilt();
    const err = await pairError(createModel);
    expect(err).toBeInstanceOf(VocabularyMismatchError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.name).toBe('VocabularyMismatchError');
    expect((err as VocabularyMismatchError).tokenId).toBe(low);
    expect((err as VocabularyMismatchError).file).toBe('tokenizer.json');
    expect(err.message).toContain('different vocabularies');
    expect(err.message).toContain(
      `token id ${low} is "\u0120and" in the draft and "\u0120the" in the target (they must share a tokenizer`,
    );
    expect(createModel).not.toHaveBeenCalled();
  });

  it('one token renamed in the draft: names that id', async () => {
    let id = -1;
    let original = '';
    editTokenizer(copy.draft, (tj) => {
      id = Math.max(...Object.values(tj.model.vocab));
      original = tokenOf(tj, id);
      delete tj.model.vocab[original];
      tj.model.vocab['XX_renamed'] = id;
    });
    const err = await pairError(neverBuilt());
    expect(err).toBeInstanceOf(VocabularyMismatchError);
    expect((err as VocabularyMismatchError).tokenId).toBe(id);
    expect(err.message).toContain(`token id ${id} is "XX_renamed" in the draft and ${JSON.stringify(original)}`);
  });

  it('one token renamed in the target: the message keeps draft and target apart', async () => {
    let id = -1;
    let original = '';
    editTokenizer(copy.target, (tj) => {
      id = 1000;
      original = tokenOf(tj, id);
      tj.model.vocab[`${original}_x`] = id;
      delete tj.model.vocab[original];
    });
    const err = await pairError(neverBuilt());
    expect((err as VocabularyMismatchError).tokenId).toBe(id);
    expect(err.message).toContain(
      `token id ${id} is ${JSON.stringify(original)} in the draft and ${JSON.stringify(`${original}_x`)} in the target`,
    );
  });

  it('<|eos|> not special in the draft: names the id', async () => {
    editTokenizer(copy.draft, (tj) => {
      const eos = tj.added_tokens.find((t) => t.content === '<|eos|>');
      if (!eos) throw new Error('no <|eos|> added token');
      eos.special = false;
    });
    const err = await pairError(neverBuilt());
    expect(err).toBeInstanceOf(VocabularyMismatchError);
    expect((err as VocabularyMismatchError).tokenId).toBe(1);
    expect(err.message).toContain('token id 1 ("<|eos|>") is special in the target but not the draft');
  });
});

describe('truncated weights', () => {
  const truncated =
    /^model\.safetensors: tensor "[\w.]+": data_offsets \[\d+, \d+\] run past the end of the data \(\d+ bytes\): file truncated$/;

  /** The pair's error names the side and its folder; its cause is the SafetensorsError naming the file. */
  const expectTruncated = (err: Error, role: 'draft' | 'target', folder: string): SafetensorsError => {
    expect(err).toBeInstanceOf(PairSideError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err).toMatchObject({ role, source: folder, file: 'model.safetensors' });
    const cause = err.cause as SafetensorsError;
    expect(cause).toBeInstanceOf(SafetensorsError);
    expect(cause.file).toBe('model.safetensors');
    expect(cause.message).toMatch(truncated);
    expect(err.message).toBe(`${role} model ${folder}: ${cause.message}`);
    return cause;
  };

  it('target cut in half: the pair fails naming the target and the file', async () => {
    truncateWeights(copy.target, (size) => Math.floor(size / 2));
    expectTruncated(await pairError(neverBuilt()), 'target', copy.target);
  });

  it('draft cut in half: the pair fails the same way, naming the draft', async () => {
    const size = truncateWeights(copy.draft, (s) => Math.floor(s / 2));
    const cause = expectTruncated(await pairError(neverBuilt()), 'draft', copy.draft);
    expect(Number(/\((\d+) bytes\)/.exec(cause.message)?.[1])).toBeLessThan(size); // the data region, after the header
  });

  it('cut inside the header, or to a few bytes: a single model load says truncated', async () => {
    truncateWeights(copy.target, () => 100);
    await expect(loadModel(copy.target, { backend: 'wasm', role: 'target' })).rejects.toThrow(
      /^model\.safetensors: header length \d+ runs past the end of the file \(100 bytes\): truncated/,
    );
    truncateWeights(copy.target, () => 4);
    const err = await loadModel(copy.target, { backend: 'wasm', role: 'target' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toBe('model.safetensors: file is 4 bytes, too short for the 8-byte header length');
  });
});

describe('the intact copies', () => {
  it('load and run as a pair (the copies are sound, so the failures above come from the damage)', async () => {
    const pair = await loadModelPair(copy.draft, copy.target, { backend: 'wasm' });
    for (const side of [pair.draft, pair.target]) {
      const logits = await side.model.forward([0, 75], [0, 1], causalBias(0, 2));
      expect(logits.length).toBe(2 * side.config.vocabSize);
      expect(logits.every(Number.isFinite)).toBe(true);
      await (side.model as { dispose?: () => Promise<void> }).dispose?.();
    }
  });
});
