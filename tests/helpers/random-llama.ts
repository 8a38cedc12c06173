/**
 * Random Llama-family models for the runtime tests and the latency bench: a small config per supported variant and
 * seeded random weights under their Hugging Face names. The weights are scaled like a trained model's (unit-ish
 * activations through every layer) so logits stay in a range where float32 parity tolerances mean something.
 */
import { Rng } from '../../src/core/rng';
import { encodeFloats } from '../../src/runtime/tensors';
import type { LlamaConfig, TensorMap, WeightDType } from '../../src/runtime/types';

/** The architecture variants the graph compiler supports. */
export type LlamaVariant = 'llama-tied' | 'llama-untied' | 'llama-mha' | 'qwen2' | 'llama3-scaled' | 'mistral';

export const ALL_VARIANTS: readonly LlamaVariant[] = [
  'llama-tied',
  'llama-untied',
  'llama-mha',
  'qwen2',
  'llama3-scaled',
  'mistral',
];

const BASE: LlamaConfig = {
  modelType: 'llama',
  vocabSize: 64,
  hiddenSize: 32,
  intermediateSize: 48,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 8,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  maxPositions: 128,
  tieWordEmbeddings: true,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};

/** A tiny config of the given variant (override any field, e.g. to make it bigger for the bench). */
export function randomLlamaConfig(variant: LlamaVariant, overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  const variants: Record<LlamaVariant, Partial<LlamaConfig>> = {
    'llama-tied': {}, // SmolLM2-like: tied head, grouped-query attention
    'llama-untied': { tieWordEmbeddings: false, numKvHeads: 1 }, // TinyLlama-like, multi-query
    'llama-mha': { numKvHeads: 4, tieWordEmbeddings: false },
    qwen2: { modelType: 'qwen2', attentionBias: true, ropeTheta: 1_000_000 },
    // Scaling touches every branch for headDim 8: wavelengths 6.3 (kept), 63 (blended), 628 and 6283 (divided).
    'llama3-scaled': {
      tieWordEmbeddings: false,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
    },
    // Mistral-Nemo style: head_dim is not hidden / heads.
    mistral: { modelType: 'mistral', tieWordEmbeddings: false, headDim: 12, ropeTheta: 1_000_000 },
  };
  return { ...BASE, ...variants[variant], ...overrides };
}

/** Uniform in [-a, a] (variance a^2 / 3). */
function fill(rng: Rng, count: number, a: number, center = 0): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = center + a * (2 * rng.next() - 1);
  return out;
}

/**
 * Seeded random weights with Hugging Face names, stored as `dtype` (F16/BF16 exercise the widening path).
 * Linear layers get variance 1 / fan_in, norms sit near 1, the embedding has unit variance.
 */
export function randomLlamaWeights(config: LlamaConfig, seed: number, dtype: WeightDType = 'F32'): TensorMap {
  const rng = new Rng(seed);
  const {
    hiddenSize: h,
    numHeads: nh,
    numKvHeads: kvh,
    headDim: hd,
    intermediateSize: inter,
    vocabSize: vocab,
  } = config;
  const map: TensorMap = new Map();
  const put = (name: string, shape: number[], values: Float32Array) =>
    map.set(name, {
      dtype,
      shape,
      data: dtype === 'F32' ? new Uint8Array(values.buffer) : encodeFloats(values, dtype),
    });
  const linear = (name: string, out: number, inp: number) =>
    put(name, [out, inp], fill(rng, out * inp, Math.sqrt(3 / inp)));
  const norm = (name: string) => put(name, [h], fill(rng, h, 0.2, 1));

  put('model.embed_tokens.weight', [vocab, h], fill(rng, vocab * h, Math.sqrt(3)));
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    norm(`${p}.input_layernorm.weight`);
    linear(`${p}.self_attn.q_proj.weight`, nh * hd, h);
    linear(`${p}.self_attn.k_proj.weight`, kvh * hd, h);
    linear(`${p}.self_attn.v_proj.weight`, kvh * hd, h);
    if (config.attentionBias) {
      put(`${p}.self_attn.q_proj.bias`, [nh * hd], fill(rng, nh * hd, 0.3));
      put(`${p}.self_attn.k_proj.bias`, [kvh * hd], fill(rng, kvh * hd, 0.3));
      put(`${p}.self_attn.v_proj.bias`, [kvh * hd], fill(rng, kvh * hd, 0.3));
    }
    linear(`${p}.self_attn.o_proj.weight`, h, nh * hd);
    norm(`${p}.post_attention_layernorm.weight`);
    linear(`${p}.mlp.gate_proj.weight`, inter, h);
    linear(`${p}.mlp.up_proj.weight`, inter, h);
    linear(`${p}.mlp.down_proj.weight`, h, inter);
  }
  norm('model.norm.weight');
  if (!config.tieWordEmbeddings) linear('lm_head.weight', vocab, h);
  return map;
}

/** Config and weights of one variant in one call. */
export function randomLlama(
  variant: LlamaVariant,
  seed: number,
  overrides: Partial<LlamaConfig> = {},
  dtype: WeightDType = 'F32',
): { config: LlamaConfig; tensors: TensorMap } {
  const config = randomLlamaConfig(variant, overrides);
  return { config, tensors: randomLlamaWeights(config, seed, dtype) };
}

/** Largest absolute elementwise difference (lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A causal bias for `n` new rows after `past` rows that all see the whole past. @returns [n, past + n] */
export function causalBias(past: number, n: number): Float32Array {
  const bias = new Float32Array(n * (past + n));
  for (let i = 0; i < n; i++) bias.fill(-Infinity, i * (past + n) + past + i + 1, (i + 1) * (past + n));
  return bias;
}

/** Seeded token ids in [0, vocab). */
export function randomTokens(count: number, vocab: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Math.floor(rng.next() * vocab));
}
