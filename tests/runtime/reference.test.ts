/**
 * The reference forward on its own: properties that do not depend on the ONNX graph, so a bug shared by both sides
 * of the parity tests (the rope frequencies, the cache) still shows up.
 */
import { describe, expect, it } from 'vitest';
import { treeAttention } from '../../src/core/mask';
import { ropeInvFreq } from '../../src/runtime/onnx/rope';
import { ReferenceModel } from '../../src/runtime/reference';
import { fromFloat32 } from '../../src/runtime/tensors';
import { causalBias, maxAbsDiff, randomLlama, randomLlamaConfig, randomTokens } from '../helpers/random-llama';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ropeInvFreq', () => {
  it('is 1 / theta^(2i/d) without scaling', () => {
    const inv = ropeInvFreq(randomLlamaConfig('llama-tied'));
    expect(Array.from(inv)).toEqual([1, 0.1, 0.01, 0.001].map(Math.fround));
  });

  it('applies llama3 scaling: short wavelengths kept, long ones divided, the middle blended', () => {
    // Values from Hugging Face's _compute_llama3_parameters formula (evaluated in float64).
    const inv = ropeInvFreq(randomLlamaConfig('llama3-scaled'));
    const want = [1, 0.013042256043820465, 0.00125, 0.000125];
    inv.forEach((x, i) => expect(x).toBeCloseTo(want[i], 7));
  });
});

describe('ReferenceModel', () => {
  it('a whole causal prompt in one call equals feeding it token by token', async () => {
    const { config, tensors } = randomLlama('qwen2', 1);
    const m = new ReferenceModel(config, tensors);
    const tokens = randomTokens(5, config.vocabSize, 1);
    const all = await m.forward(tokens, range(5), causalBias(0, 5));
    m.reset();
    const v = config.vocabSize;
    for (let i = 0; i < 5; i++) {
      const row = await m.forward([tokens[i]], [i], new Float32Array(i + 1));
      expect(maxAbsDiff(row, all.subarray(i * v, (i + 1) * v))).toBeLessThan(1e-5);
    }
  });

  it('a tree node equals a causal run of its path', async () => {
    const { config, tensors } = randomLlama('llama3-scaled', 2);
    const m = new ReferenceModel(config, tensors);
    const parents = [-1, 0, 0, 2];
    const nodes = [4, 5, 6, 7];
    const tree = treeAttention(0, parents);
    const logits = await m.forward(nodes, tree.positions, tree.bias);
    m.reset();
    const path = await m.forward([4, 6, 7], [0, 1, 2], causalBias(0, 3));
    const v = config.vocabSize;
    expect(maxAbsDiff(logits.subarray(3 * v), path.subarray(2 * v))).toBeLessThan(1e-5);
  });

  it('with attention and MLP zeroed, logits are head . rmsnorm(embedding)', async () => {
    const { config, tensors } = randomLlama('llama-tied', 3, { numLayers: 1 });
    const zeroed = new Map(tensors);
    for (const name of ['self_attn.o_proj.weight', 'mlp.down_proj.weight']) {
      const t = tensors.get(`model.layers.0.${name}`)!;
      zeroed.set(`model.layers.0.${name}`, fromFloat32(new Float32Array(t.shape[0] * t.shape[1]), t.shape));
    }
    const m = new ReferenceModel(config, zeroed);
    const logits = await m.forward([7], [0], new Float32Array(1));
    const embed = new Float32Array(tensors.get('model.embed_tokens.weight')!.data.slice().buffer);
    const norm = new Float32Array(tensors.get('model.norm.weight')!.data.slice().buffer);
    const h = config.hiddenSize;
    const x = embed.subarray(7 * h, 8 * h);
    const rms = Math.sqrt(x.reduce((a, b) => a + b * b, 0) / h + config.rmsNormEps);
    for (const tok of [0, 7, 63]) {
      let want = 0;
      for (let d = 0; d < h; d++) want += embed[tok * h + d] * ((x[d] / rms) * norm[d]);
      expect(logits[tok]).toBeCloseTo(want, 4);
    }
  });
});
