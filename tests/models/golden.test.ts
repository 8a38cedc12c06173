/**
 * Golden logits of the bundled pair: both models loaded from `models/` by the project's own loader (loadModelPair:
 * safetensors, checks, the compiled ONNX graph run by onnxruntime-web WASM in Node) must reproduce every value in
 * `models/golden.json` (fp32 PyTorch reference of the exported fp16 weights) to 1e-3, fed as one causal call and
 * through the key/value cache one token at a time. The loader's tokenizer must give the stored ids for the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../src/core/model';
import type { LoadedPair } from '../../src/runtime/load';
import { loadModelPair } from '../../src/runtime/load';
import type { BundledName, Golden, GoldenCase } from '../helpers/bundled-models';
import { BUNDLED_NAMES, bundledDir, readGolden } from '../helpers/bundled-models';
import { causalBias } from '../helpers/random-llama';

/** Largest allowed |logit - reference| for every stored value. */
const TOL = 1e-3;
const BOS = 0;

const golden: Golden = readGolden();
let pair: LoadedPair;

beforeAll(async () => {
  pair = await loadModelPair(bundledDir('specdec-draft'), bundledDir('specdec-target'), { backend: 'wasm' });
});

afterAll(async () => {
  for (const side of [pair?.draft, pair?.target]) {
    await (side?.model as { dispose?: () => Promise<void> } | undefined)?.dispose?.();
  }
});

const loaded = (name: BundledName) => (name === 'specdec-target' ? pair.target : pair.draft);

/** Statistics of one logits row, as golden.json stores them for the last position. */
function rowStats(row: Float32Array): { max: number; min: number; mean: number; l2: number; argmax: number } {
  let max = -Infinity;
  let min = Infinity;
  let sum = 0;
  let sq = 0;
  let argmax = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v > max) {
      max = v;
      argmax = i;
    }
    min = Math.min(min, v);
    sum += v;
    sq += v * v;
  }
  return { max, min, mean: sum / row.length, l2: Math.sqrt(sq), argmax };
}

/** Indices of the k largest values, largest first. */
function topK(row: Float32Array, k: number): number[] {
  return Array.from(row.keys())
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

/** Largest |a[i] - b[i]| (lengths must agree). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Checks the last row against every stored last-position value: the 64-logit head, the top-5 (ids and logits; a
 * different id is accepted only where the two logits tie within TOL), max, min, mean and L2 norm.
 */
function expectLastRow(row: Float32Array, c: GoldenCase): void {
  expect(maxDiff(row.subarray(0, 64), c.last_logits_head)).toBeLessThanOrEqual(TOL);
  const top = topK(row, 5);
  c.last_top5_ids.forEach((id, k) => {
    expect(Math.abs(row[id] - c.last_top5_logits[k]), `logit of top-${k + 1} id ${id}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(row[top[k]] - c.last_top5_logits[k]), `top-${k + 1} value`).toBeLessThanOrEqual(TOL);
    if (top[k] !== id) expect(Math.abs(row[top[k]] - row[id]), `top-${k + 1} id`).toBeLessThanOrEqual(TOL);
  });
  const s = rowStats(row);
  expect(Math.abs(s.max - c.last_max), 'max').toBeLessThanOrEqual(TOL);
  expect(Math.abs(s.min - c.last_min), 'min').toBeLessThanOrEqual(TOL);
  expect(Math.abs(s.mean - c.last_mean), 'mean').toBeLessThanOrEqual(TOL);
  expect(Math.abs(s.l2 - c.last_l2), 'l2').toBeLessThanOrEqual(TOL);
}

/** The stored argmax of a row must be the row's maximum (up to a tie within TOL). */
/** One causal call on `ids` at positions 0..n-1 from an empty cache. */
function freshCausalCall(model: LanguageModel, ids: number[]): Promise<Float32Array> {
  model.reset();
  return model.forward(
    ids,
    ids.map((_, i) => i),
    causalBias(0, ids.length),
  );
}

function expectArgmax(row: Float32Array, expected: number, position: number): void {
  const { max, argmax } = rowStats(row);
  if (argmax !== expected) {
    expect(max - row[expected], `position ${position}: argmax ${argmax}, reference ${expected}`).toBeLessThanOrEqual(
      TOL,
    );
  }
}

describe('golden.json', () => {
  it('describes BOS-prefixed causal inputs for both bundled models', () => {
    expect(golden.description).toMatch(/<\|bos\|> \(id 0\)/);
    expect(golden.description).toMatch(/causal/);
    for (const name of BUNDLED_NAMES) {
      expect(golden.models[name].cases.map((c) => c.text)).toEqual(golden.prompts);
      for (const c of golden.models[name].cases) expect(c.input_ids[0]).toBe(BOS);
    }
  });
});

describe.each(BUNDLED_NAMES)('%s against golden.json', (name) => {
  const { vocab_size: vocab, cases } = golden.models[name];

  it('loads on WASM with the stored vocabulary size', () => {
    const m = loaded(name);
    expect(m.backend.backend).toBe('wasm');
    expect(m.config.vocabSize).toBe(vocab);
    expect(m.model.vocabSize).toBe(vocab);
    expect(m.tokenizer.bosTokenId).toBe(BOS);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: the tokenizer gives the stored ids', (_, c) => {
    const tok = loaded(name).tokenizer;
    expect(tok.encode(c.text)).toEqual(c.input_ids); // add_bos_token: the prompt gets BOS, as in training
    expect(tok.decode(c.input_ids.slice(1))).toBe(c.text);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: one causal call matches every stored value', async (_, c) => {
    const model: LanguageModel = loaded(name).model;
    const n = c.input_ids.length;
    const logits = await freshCausalCall(model, c.input_ids);
    expect(logits.length).toBe(n * vocab);
    expect(model.pastLength).toBe(n);
    for (let p = 0; p < n; p++) expectArgmax(logits.subarray(p * vocab, (p + 1) * vocab), c.argmax[p], p);
    expectLastRow(logits.subarray((n - 1) * vocab), c);
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i: a prefix call then one token per call through the cache matches too',
    async (_, c) => {
      const model: LanguageModel = loaded(name).model;
      const n = c.input_ids.length;
      const split = Math.floor(n / 2);
      const first = await freshCausalCall(model, c.input_ids.slice(0, split));
      for (let p = 0; p < split; p++) expectArgmax(first.subarray(p * vocab, (p + 1) * vocab), c.argmax[p], p);
      let last = first;
      for (let p = split; p < n; p++) {
        expect(model.pastLength).toBe(p);
        last = await model.forward([c.input_ids[p]], [p], causalBias(p, 1));
        expect(last.length).toBe(vocab);
        expectArgmax(last, c.argmax[p], p);
      }
      expectLastRow(last, c);
    },
  );
});

describe('the checks can fail', () => {
  it('rejects a row perturbed by more than the tolerance', async () => {
    const c = golden.models['specdec-target'].cases[0];
    const n = c.input_ids.length;
    const logits = await freshCausalCall(pair.target.model, c.input_ids);
    const row = logits.slice((n - 1) * golden.models['specdec-target'].vocab_size);
    expectLastRow(row, c);
    row[7] += 3 * TOL; // one logit of the stored head
    expect(() => expectLastRow(row, c)).toThrow();
    const far = row.slice();
    far[7] -= 3 * TOL;
    far[4000] += 8; // outside the head: the mean moves by 8 / 4096 > TOL
    expect(() => expectLastRow(far, c)).toThrow();
  });
});
