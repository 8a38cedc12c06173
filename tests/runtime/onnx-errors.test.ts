/**
 * Bad calls fail with an Error that names the offending value, on the ONNX model and the reference alike, and the
 * model stays usable afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../src/core/model';
import { buildLlamaGraph } from '../../src/runtime/onnx/llama-graph';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { ReferenceModel } from '../../src/runtime/reference';
import { causalBias, randomLlama } from '../helpers/random-llama';

const { config, tensors } = randomLlama('llama-tied', 2);
const models: Record<string, LanguageModel> = {};

beforeAll(async () => {
  models.onnx = (await createOnnxModel(config, tensors, { backend: 'wasm' })).model;
  models.reference = new ReferenceModel(config, tensors);
});

describe.each(['onnx', 'reference'])('%s model rejects bad calls', (kind) => {
  it('bias of the wrong length', async () => {
    const m = models[kind];
    m.reset();
    await expect(m.forward([1, 2], [0, 1], new Float32Array(3))).rejects.toThrow(
      /attention bias has 3 values, expected .* = 4/,
    );
    await m.forward([1, 2], [0, 1], causalBias(0, 2));
    // With 2 cached rows, a bias sized for an empty cache is wrong too.
    await expect(m.forward([3], [2], causalBias(0, 1))).rejects.toThrow(
      /has 1 values, expected n \* \(past \+ n\) = 1 \* \(2 \+ 1\) = 3/,
    );
  });

  it('tokens and positions of different lengths', async () => {
    const m = models[kind];
    m.reset();
    await expect(m.forward([1, 2, 3], [0, 1], causalBias(0, 3))).rejects.toThrow('3 tokens but 2 positions');
  });

  it('a position at or beyond maxPositions', async () => {
    const m = models[kind];
    m.reset();
    await expect(m.forward([1], [config.maxPositions], causalBias(0, 1))).rejects.toThrow(
      `position ${config.maxPositions} at index 0 is outside [0, maxPositions = ${config.maxPositions})`,
    );
    await expect(m.forward([1], [-1], causalBias(0, 1))).rejects.toThrow('position -1');
  });

  it('a token outside the vocabulary, an empty call, a bad commit row', async () => {
    const m = models[kind];
    m.reset();
    await expect(m.forward([config.vocabSize], [0], causalBias(0, 1))).rejects.toThrow(`token ${config.vocabSize}`);
    await expect(m.forward([], [], new Float32Array(0))).rejects.toThrow('at least one token');
    await m.forward([1, 2], [0, 1], causalBias(0, 2));
    await expect(m.commit([0, 2])).rejects.toThrow('commit: row 2 at index 1 is outside the 2 cache rows');
    expect(m.pastLength).toBe(2);
  });

  it('keeps working after an error', async () => {
    const m = models[kind];
    m.reset();
    await expect(m.forward([1], [0], new Float32Array(2))).rejects.toThrow();
    const logits = await m.forward([1], [0], causalBias(0, 1));
    expect(logits.length).toBe(config.vocabSize);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});

describe('graph compiler rejects bad weights', () => {
  it('names a missing weight', () => {
    const partial = new Map(tensors);
    partial.delete('model.layers.1.mlp.up_proj.weight');
    expect(() => buildLlamaGraph(config, partial)).toThrow('missing weight model.layers.1.mlp.up_proj.weight');
  });

  it('names a weight of the wrong shape', () => {
    const bad = new Map(tensors);
    const t = bad.get('model.layers.0.self_attn.k_proj.weight')!;
    bad.set('model.layers.0.self_attn.k_proj.weight', { ...t, shape: [t.shape[1], t.shape[0]] });
    expect(() => buildLlamaGraph(config, bad)).toThrow(
      `weight model.layers.0.self_attn.k_proj.weight has shape [${t.shape[1]}, ${t.shape[0]}], expected [${t.shape[0]}, ${t.shape[1]}]`,
    );
  });

  it('rejects heads that do not group', () => {
    expect(() => buildLlamaGraph({ ...config, numKvHeads: 3 }, tensors)).toThrow(
      'numHeads 4 is not a multiple of numKvHeads 3',
    );
  });
});
