/**
 * The compiled ONNX graph (run by onnxruntime-web's WASM backend in Node) against the TypeScript reference, for every
 * architecture variant: a causal prefix, then a token tree on top of it.
 */
import { describe, expect, it } from 'vitest';
import { treeAttention } from '../../src/core/mask';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { ReferenceModel } from '../../src/runtime/reference';
import { ALL_VARIANTS, causalBias, maxAbsDiff, randomLlama, randomTokens } from '../helpers/random-llama';

const TOL = 1e-4;
/** A tree with two branches from the root and a deeper left branch: parents before children. */
const PARENTS = [-1, 0, 0, 1, 1, 3, 2];

describe.each(ALL_VARIANTS)('ONNX vs reference: %s', (variant) => {
  it('matches on a causal prefix and on a tree fed after it', async () => {
    const { config, tensors } = randomLlama(variant, 11);
    const ref = new ReferenceModel(config, tensors);
    const { model, backend } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    expect(backend).toEqual({ backend: 'wasm', threads: 1, fp16: false, fallbackReason: null });
    expect(model.vocabSize).toBe(config.vocabSize);
    expect(model.maxPositions).toBe(config.maxPositions);

    const prefix = randomTokens(6, config.vocabSize, 1);
    const positions = prefix.map((_, i) => i);
    const a = await ref.forward(prefix, positions, causalBias(0, prefix.length));
    const b = await model.forward(prefix, positions, causalBias(0, prefix.length));
    expect(b.length).toBe(prefix.length * config.vocabSize);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(TOL);
    expect(model.pastLength).toBe(prefix.length);

    const tree = treeAttention(prefix.length, PARENTS);
    const nodes = randomTokens(PARENTS.length, config.vocabSize, 2);
    const ta = await ref.forward(nodes, tree.positions, tree.bias);
    const tb = await model.forward(nodes, tree.positions, tree.bias);
    expect(maxAbsDiff(ta, tb)).toBeLessThanOrEqual(TOL);
    expect(model.pastLength).toBe(prefix.length + PARENTS.length);
    await model.dispose();
  });
});

describe('tree rows equal causal runs of their paths', () => {
  it.each(['llama-tied', 'qwen2'] as const)('%s: every node of a tree after a prefix', async (variant) => {
    const { config, tensors } = randomLlama(variant, 5);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const { model: fresh } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const prefix = randomTokens(4, config.vocabSize, 3);
    const nodes = randomTokens(PARENTS.length, config.vocabSize, 4);
    await model.forward(prefix, [0, 1, 2, 3], causalBias(0, 4));
    const tree = treeAttention(prefix.length, PARENTS);
    const treeLogits = await model.forward(nodes, tree.positions, tree.bias);
    const v = config.vocabSize;
    for (let i = 0; i < PARENTS.length; i++) {
      const path: number[] = [];
      for (let a = i; a >= 0; a = PARENTS[a]) path.unshift(nodes[a]);
      const seq = [...prefix, ...path];
      fresh.reset();
      const causal = await fresh.forward(
        seq,
        seq.map((_, j) => j),
        causalBias(0, seq.length),
      );
      const last = causal.subarray((seq.length - 1) * v, seq.length * v);
      expect(maxAbsDiff(treeLogits.subarray(i * v, (i + 1) * v), last)).toBeLessThanOrEqual(TOL);
    }
    await model.dispose();
    await fresh.dispose();
  });
});

describe('weights stored as F16 and BF16', () => {
  it.each(['F16', 'BF16'] as const)('%s weights are widened the same way by graph and reference', async (dtype) => {
    const { config, tensors } = randomLlama('qwen2', 21, {}, dtype);
    const ref = new ReferenceModel(config, tensors);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const tokens = randomTokens(5, config.vocabSize, 9);
    const bias = causalBias(0, 5);
    const a = await ref.forward(tokens, [0, 1, 2, 3, 4], bias);
    const b = await model.forward(tokens, [0, 1, 2, 3, 4], bias);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(TOL);
    await model.dispose();
  });
});

describe('positions far from zero', () => {
  it('matches near maxPositions (rope angles in float32 on both sides)', async () => {
    const { config, tensors } = randomLlama('llama3-scaled', 8, { maxPositions: 4096 });
    const ref = new ReferenceModel(config, tensors);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm' });
    const tokens = [5, 6, 7];
    const positions = [4000, 4001, 4095];
    const a = await ref.forward(tokens, positions, causalBias(0, 3));
    const b = await model.forward(tokens, positions, causalBias(0, 3));
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(TOL);
    await model.dispose();
  });
});

describe('matmul weight layout', () => {
  it.each(['qwen2', 'llama-untied'] as const)('%s gives the same logits as the reference', async (variant) => {
    const { config, tensors } = randomLlama(variant, 31);
    const ref = new ReferenceModel(config, tensors);
    const { model } = await createOnnxModel(config, tensors, { backend: 'wasm', weightLayout: 'matmul' });
    const tree = treeAttention(0, PARENTS);
    const nodes = randomTokens(PARENTS.length, config.vocabSize, 5);
    const a = await ref.forward(nodes, tree.positions, tree.bias);
    const b = await model.forward(nodes, tree.positions, tree.bias);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(TOL);
    await model.dispose();
  });
});
