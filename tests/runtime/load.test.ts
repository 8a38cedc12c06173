import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FileNotFoundError,
  ModelLoadError,
  PairSideError,
  SafetensorsError,
  VocabularyMismatchError,
} from '../../src/runtime/errors';
import type { ModelFactory } from '../../src/runtime/load';
import { loadModel, loadModelPair } from '../../src/runtime/load';
import { ReferenceModel } from '../../src/runtime/reference';
import { parseSafetensors } from '../../src/runtime/safetensors';
import type { LoadProgress, ModelSource } from '../../src/runtime/types';
import type { FixtureModel } from '../helpers/fixture-model';
import { writeFixtureModel } from '../helpers/fixture-model';
import type { StaticServer } from '../helpers/static-server';
import { startStaticServer } from '../helpers/static-server';

/** A stand-in for createOnnxModel: records what it was given, returns a model that is never run. */
const fakeFactory = (): ModelFactory & { mock: { calls: unknown[][] } } =>
  vi.fn<ModelFactory>(async (config) => ({
    model: {
      vocabSize: config.vocabSize,
      maxPositions: config.maxPositions,
      pastLength: 0,
      forward: async () => new Float32Array(0),
      commit: async () => undefined,
      reset: () => undefined,
    },
    backend: { backend: 'wasm', threads: 1, fp16: false, fallbackReason: null },
  }));

let single: FixtureModel;
let sharded: FixtureModel;
let other: FixtureModel;
let renamed: FixtureModel;
let server: StaticServer;
const hub = (id: string): ModelSource => ({ kind: 'hub', id, revision: 'main', endpoint: server.endpoint });
const opts = { backend: 'wasm' as const, fetcher: { retryDelayMs: 1 } };

beforeAll(async () => {
  single = await writeFixtureModel({ seed: 1 });
  sharded = await writeFixtureModel({ seed: 1, sharded: true, dtype: 'F16', paddingRows: 0 });
  other = await writeFixtureModel({ seed: 2, dtype: 'F32', paddingRows: 24 });
  renamed = await writeFixtureModel({ seed: 3, tokenizer: { rename: { id: 200, to: 'XX' } } });
  server = await startStaticServer({
    'org/single': single.dir,
    'org/sharded': sharded.dir,
    'org/other': other.dir,
    'org/renamed': renamed.dir,
  });
});
afterAll(() => server.close());

describe('loadModel', () => {
  it('loads a local folder: config, tokenizer, checked weights, hash, progress by role', async () => {
    const createModel = fakeFactory();
    const events: LoadProgress[] = [];
    const loaded = await loadModel(
      { kind: 'path', path: single.dir },
      { ...opts, role: 'draft', createModel, onProgress: (p) => events.push(p) },
    );
    expect(loaded.id).toBe(single.dir);
    expect(loaded.config).toEqual(single.config);
    expect(loaded.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(loaded.tokenizer.decode(loaded.tokenizer.encode('the hat'))).toBe('the hat');
    expect(loaded.tokenizer.eosTokenIds.sort()).toEqual([0, 2]);
    expect(createModel.mock.calls).toHaveLength(1);
    const tensors = createModel.mock.calls[0][1] as Map<string, unknown>;
    expect(tensors.has('model.layers.1.mlp.down_proj.weight')).toBe(true);
    const weights = events.filter((e) => e.file === 'model.safetensors');
    expect(weights.at(-1)).toMatchObject({ role: 'draft', loaded: single.files.get('model.safetensors')!.byteLength });
  });

  it('loads a sharded checkpoint by hub id from the static server', async () => {
    const createModel = fakeFactory();
    const loaded = await loadModel(hub('org/sharded'), { ...opts, role: 'target', createModel });
    expect(loaded.config.vocabSize).toBe(264);
    const requested = server.requests.filter((r) => r.path.startsWith('/org/sharded/')).map((r) => r.file);
    expect(requested).toEqual(
      expect.arrayContaining(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']),
    );
    expect(requested).not.toContain('model.safetensors');
  });

  it('gives a stable hash that changes with the weights', async () => {
    const createModel = fakeFactory();
    const a = await loadModel(hub('org/single'), { ...opts, role: 'draft', createModel });
    const b = await loadModel({ kind: 'path', path: single.dir }, { ...opts, role: 'draft', createModel });
    const c = await loadModel({ kind: 'path', path: other.dir }, { ...opts, role: 'draft', createModel });
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(a.id).toBe('org/single');
  });

  it('retries a 500 mid-load and succeeds', async () => {
    server.inject({ file: 'model.safetensors', kind: 'status', status: 500 });
    const loaded = await loadModel(hub('org/single'), { ...opts, role: 'draft', createModel: fakeFactory() });
    expect(loaded.config.numLayers).toBe(2);
  });

  it('names the missing file: config.json, tokenizer.json, weights', async () => {
    const f = fakeFactory();
    const missing = async (file: string) => {
      const m = await writeFixtureModel({ omit: [file] });
      return loadModel({ kind: 'path', path: m.dir }, { ...opts, role: 'draft', createModel: f }).finally(() =>
        rm(m.dir, { recursive: true }),
      );
    };
    await expect(missing('config.json')).rejects.toThrow(/file not found: config\.json/);
    await expect(missing('tokenizer.json')).rejects.toThrow(/file not found: tokenizer\.json/);
    await expect(missing('model.safetensors')).rejects.toThrow(
      /no weights: neither model\.safetensors nor model\.safetensors\.index\.json/,
    );
    await expect(missing('tokenizer_config.json')).resolves.toBeDefined(); // optional
    expect(f.mock.calls).toHaveLength(1);
  });

  it('names a corrupt weights file', async () => {
    const m = await writeFixtureModel();
    const bytes = m.files.get('model.safetensors')!;
    await writeFile(join(m.dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 10));
    await expect(
      loadModel({ kind: 'path', path: m.dir }, { ...opts, role: 'draft', createModel: fakeFactory() }),
    ).rejects.toThrow(SafetensorsError);
    await writeFile(join(m.dir, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    await expect(loadModel({ kind: 'path', path: m.dir }, { ...opts, role: 'draft' })).rejects.toThrow(
      /unsupported architecture "gpt2"/,
    );
    await rm(m.dir, { recursive: true });
  });

  it('runs end to end with onnxruntime (WASM), matching the reference forward', async () => {
    const loaded = await loadModel(hub('org/single'), { ...opts, role: 'target', numThreads: 1 });
    expect(loaded.backend.backend).toBe('wasm');
    const ids = loaded.tokenizer.encode('the cat');
    const n = ids.length;
    const bias = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) bias[i * n + j] = -Infinity;
    const positions = ids.map((_, i) => i);
    const logits = await loaded.model.forward(ids, positions, bias);
    expect(logits.length).toBe(n * loaded.config.vocabSize);
    const ref = new ReferenceModel(loaded.config, parseSafetensors(single.files.get('model.safetensors')!));
    const expected = await ref.forward(ids, positions, bias);
    let diff = 0;
    for (let i = 0; i < logits.length; i++) diff = Math.max(diff, Math.abs(logits[i] - expected[i]));
    expect(diff).toBeLessThan(1e-3);
    await (loaded.model as { dispose?: () => Promise<void> }).dispose?.();
  });
});

describe('loadModelPair', () => {
  it('loads a pair sharing a vocabulary (padding rows may differ) and returns the target tokenizer', async () => {
    const createModel = fakeFactory();
    const pair = await loadModelPair(hub('org/single'), { kind: 'path', path: other.dir }, { ...opts, createModel });
    expect(pair.draft.config.vocabSize).toBe(272);
    expect(pair.target.config.vocabSize).toBe(288);
    expect(pair.tokenizer).toBe(pair.target.tokenizer);
    expect(createModel.mock.calls).toHaveLength(2);
  });

  it('refuses a pair whose vocabularies differ before building anything', async () => {
    const createModel = fakeFactory();
    const run = loadModelPair(hub('org/single'), hub('org/renamed'), { ...opts, createModel });
    await expect(run).rejects.toThrow(VocabularyMismatchError);
    await expect(run).rejects.toThrow(/token id 200 is .* in the draft and "XX" in the target/);
    expect(createModel.mock.calls).toHaveLength(0);
  });

  it('fails the whole pair when one side is missing, naming that side and its source', async () => {
    const err = await loadModelPair(hub('org/single'), hub('org/nope'), { ...opts, createModel: fakeFactory() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PairSideError);
    expect(err).toBeInstanceOf(ModelLoadError); // the page and the CLI keep treating it as a model error
    expect(err).toMatchObject({ role: 'target', source: 'org/nope', file: 'config.json' });
    expect((err as Error).cause).toBeInstanceOf(FileNotFoundError);
    expect((err as Error).message).toMatch(/^target model org\/nope: file not found: config\.json \(http/);
  });

  it('names the draft when the draft is the broken side (the target, aborted meanwhile, is not blamed)', async () => {
    const broken = await writeFixtureModel({ seed: 4 });
    await writeFile(join(broken.dir, 'config.json'), '{"model_type": "llama",');
    const err = await loadModelPair(broken.dir, hub('org/single'), { ...opts, createModel: fakeFactory() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'PairSideError', role: 'draft', source: broken.dir, file: 'config.json' });
    expect((err as Error).message).toMatch(new RegExp(`^draft model ${broken.dir}: config\\.json: not valid JSON`));
    await rm(broken.dir, { recursive: true });
  });
});
