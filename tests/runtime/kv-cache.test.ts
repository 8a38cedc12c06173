/**
 * The key/value cache across calls: after `commit(keep)` the next forward must behave exactly as if the model had
 * been fed only the committed sequence. Checked on the ONNX model (WASM) against fresh causal runs and against the
 * reference model, whose commit is a plain re-indexing of rows.
 */
import { describe, expect, it } from 'vitest';
import { treeAttention } from '../../src/core/mask';
import { gatherRows } from '../../src/runtime/onnx/kv-cache';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { ReferenceModel } from '../../src/runtime/reference';
import { causalBias, maxAbsDiff, randomLlama, randomTokens } from '../helpers/random-llama';

const TOL = 1e-4;
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('gatherRows', () => {
  // 2 heads x 5 rows x width 2, value = 100 * head + 10 * row + column
  const make = () =>
    Float32Array.from({ length: 20 }, (_, i) => 100 * Math.floor(i / 10) + 10 * Math.floor((i % 10) / 2) + (i % 2));

  it.each([[[0, 1, 2, 3, 4]], [[0, 1, 3]], [[2, 4]], [[4]], [[]], [[3, 0, 1]], [[1, 1, 2]], [[4, 3, 2, 1, 0]]])(
    'keeps rows %j in order',
    (keep: number[]) => {
      const out = gatherRows(make(), 2, 5, 2, keep);
      const got = [];
      for (let h = 0; h < 2; h++) for (let j = 0; j < keep.length; j++) got.push(out[(h * keep.length + j) * 2]);
      const want = [0, 1].flatMap((h) => keep.map((r) => 100 * h + 10 * r));
      expect(got).toEqual(want);
    },
  );
});

describe('commit then forward equals a fresh model fed the committed sequence', () => {
  // root 0; children 1, 2; 1 -> 3 -> 5; 2 -> 4
  const PARENTS = [-1, 0, 0, 1, 2, 3];
  const pathTo = (i: number) => {
    const p: number[] = [];
    for (let a = i; a >= 0; a = PARENTS[a]) p.unshift(a);
    return p;
  };

  it.each([
    ['prefix only (nothing accepted)', []],
    ['prefix + root', [0]],
    ['prefix + deepest path', pathTo(5)],
    ['prefix + side branch (non-contiguous rows)', pathTo(4)],
  ] as const)('%s', async (_label, path) => {
    const { config, tensors } = randomLlama('llama-tied', 3);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const { model: fresh } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const prefix = randomTokens(5, config.vocabSize, 7);
    const nodes = randomTokens(PARENTS.length, config.vocabSize, 8);
    const P = prefix.length;
    await model.forward(prefix, range(0, P), causalBias(0, P));
    const tree = treeAttention(P, PARENTS);
    await model.forward(nodes, tree.positions, tree.bias);
    await model.commit([...range(0, P), ...path.map((i) => P + i)]);
    expect(model.pastLength).toBe(P + path.length);

    const committed = [...prefix, ...path.map((i) => nodes[i])];
    const next = [9, 10];
    const L = committed.length;
    const got = await model.forward(next, [L, L + 1], causalBias(L, 2));
    const all = [...committed, ...next];
    const want = await fresh.forward(all, range(0, all.length), causalBias(0, all.length));
    const v = config.vocabSize;
    expect(maxAbsDiff(got, want.subarray(L * v))).toBeLessThanOrEqual(TOL);
    await model.dispose();
    await fresh.dispose();
  });

  it('several speculative rounds in a row (gather in place over and over)', async () => {
    const { config, tensors } = randomLlama('mistral', 4);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const { model: fresh } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const seq = randomTokens(3, config.vocabSize, 1);
    await model.forward(seq, range(0, 3), causalBias(0, 3));
    for (let round = 0; round < 4; round++) {
      const L = seq.length;
      const nodes = randomTokens(PARENTS.length, config.vocabSize, 100 + round);
      const tree = treeAttention(L, PARENTS);
      await model.forward(nodes, tree.positions, tree.bias);
      const path = pathTo([5, 4, 0, 3][round]);
      await model.commit([...range(0, L), ...path.map((i) => L + i)]);
      seq.push(...path.map((i) => nodes[i]));
    }
    const L = seq.length;
    const got = await model.forward([1], [L], causalBias(L, 1));
    const want = await fresh.forward([...seq, 1], range(0, L + 1), causalBias(0, L + 1));
    expect(maxAbsDiff(got, want.subarray(L * config.vocabSize))).toBeLessThanOrEqual(TOL);
    await model.dispose();
    await fresh.dispose();
  });
});

describe('commit with arbitrary keep lists matches the reference', () => {
  it.each([
    ['reordered rows', [3, 0, 1, 2]],
    ['dropped prefix rows', [1, 2, 5]],
    ['repeated row', [0, 0, 4]],
    ['everything dropped', []],
  ] as const)('%s', async (_label, keep) => {
    const { config, tensors } = randomLlama('llama-untied', 6);
    const ref = new ReferenceModel(config, tensors);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const tokens = randomTokens(6, config.vocabSize, 2);
    for (const m of [ref, model]) {
      await m.forward(tokens, range(0, 6), causalBias(0, 6));
      await m.commit(keep);
    }
    expect(model.pastLength).toBe(keep.length);
    const k = keep.length;
    // The next rows see every kept row (bias 0) at a fresh position.
    const bias = causalBias(k, 2);
    const a = await ref.forward([7, 8], [6, 7], bias);
    const b = await model.forward([7, 8], [6, 7], bias);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(TOL);
    await model.dispose();
  });

  it('reset empties the cache', async () => {
    const { config, tensors } = randomLlama('llama-tied', 6);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const first = await model.forward([1, 2], [0, 1], causalBias(0, 2));
    model.reset();
    expect(model.pastLength).toBe(0);
    const again = await model.forward([1, 2], [0, 1], causalBias(0, 2));
    expect(maxAbsDiff(first, again)).toBe(0);
    await model.dispose();
  });
});
