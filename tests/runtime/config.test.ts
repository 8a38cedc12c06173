import { describe, expect, it } from 'vitest';
import { parseGenerationConfig, parseLlamaConfig } from '../../src/runtime/config';
import { ConfigError } from '../../src/runtime/errors';

/** SmolLM2-135M's config.json (trimmed). */
const SMOLLM2 = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  intermediate_size: 1536,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  vocab_size: 49152,
};

/** Qwen2.5-0.5B's config.json (trimmed). */
const QWEN25 = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** Llama-3.2-1B's config.json (trimmed). */
const LLAMA32 = {
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 64,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  vocab_size: 128256,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
};

describe('parseLlamaConfig', () => {
  it('parses a llama config (SmolLM2) with defaults filled in', () => {
    const c = parseLlamaConfig(SMOLLM2);
    expect(c).toEqual({
      modelType: 'llama',
      vocabSize: 49152,
      hiddenSize: 576,
      intermediateSize: 1536,
      numLayers: 30,
      numHeads: 9,
      numKvHeads: 3,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 100000,
      ropeScaling: null,
      maxPositions: 8192,
      tieWordEmbeddings: true,
      attentionBias: false,
      bosTokenId: 0,
      eosTokenIds: [0],
    });
    const bare = parseLlamaConfig({
      ...SMOLLM2,
      num_key_value_heads: undefined,
      rope_theta: undefined,
      tie_word_embeddings: undefined,
    });
    expect([bare.numKvHeads, bare.ropeTheta, bare.tieWordEmbeddings]).toEqual([9, 10000, false]);
  });

  it('parses qwen2 with q/k/v bias on', () => {
    const c = parseLlamaConfig(QWEN25);
    expect(c.modelType).toBe('qwen2');
    expect(c.attentionBias).toBe(true);
    expect(c.headDim).toBe(64);
    expect(c.maxPositions).toBe(32768);
    expect(c.eosTokenIds).toEqual([151643]);
  });

  it('parses mistral, capping positions at the sliding window', () => {
    const c = parseLlamaConfig({
      ...SMOLLM2,
      model_type: 'mistral',
      max_position_embeddings: 32768,
      sliding_window: 4096,
      head_dim: 128,
    });
    expect(c.modelType).toBe('mistral');
    expect(c.maxPositions).toBe(4096);
    expect(c.headDim).toBe(128);
    expect(c.attentionBias).toBe(false);
  });

  it('parses llama3 rope scaling and an eos list', () => {
    const c = parseLlamaConfig(LLAMA32);
    expect(c.ropeScaling).toEqual({ factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
    expect(c.eosTokenIds).toEqual([128001, 128008, 128009]);
    const old = parseLlamaConfig({
      ...LLAMA32,
      rope_scaling: { ...LLAMA32.rope_scaling, rope_type: undefined, type: 'llama3' },
    });
    expect(old.ropeScaling?.factor).toBe(32);
    expect(parseLlamaConfig({ ...LLAMA32, rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeNull();
  });

  it('refuses other rope scaling kinds and incomplete llama3 scaling', () => {
    expect(() => parseLlamaConfig({ ...LLAMA32, rope_scaling: { type: 'yarn', factor: 4 } })).toThrow(
      /unsupported rope_scaling type "yarn"/,
    );
    const { low_freq_factor: _drop, ...partial } = LLAMA32.rope_scaling;
    expect(() => parseLlamaConfig({ ...LLAMA32, rope_scaling: partial })).toThrow(/rope_scaling\.low_freq_factor/);
  });

  it('names an unsupported architecture and the supported ones', () => {
    expect(() => parseLlamaConfig({ ...SMOLLM2, model_type: 'gpt2' })).toThrow(
      'config.json: unsupported architecture "gpt2" (model_type); supported: llama, qwen2, mistral',
    );
    expect(() => parseLlamaConfig({ ...SMOLLM2, model_type: undefined })).toThrow(/unsupported architecture "missing"/);
  });

  it('names missing or invalid numeric fields', () => {
    const { hidden_size: _h, ...noHidden } = SMOLLM2;
    const err = (() => {
      try {
        parseLlamaConfig(noHidden);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.field).toBe('hidden_size');
    expect(err?.message).toBe('config.json: missing required field "hidden_size"');
    expect(() => parseLlamaConfig({ ...SMOLLM2, num_hidden_layers: 0 })).toThrow(
      /"num_hidden_layers" must be a positive integer, got 0/,
    );
    expect(() => parseLlamaConfig({ ...SMOLLM2, vocab_size: '49152' })).toThrow(
      /"vocab_size" must be a positive integer/,
    );
    expect(() => parseLlamaConfig({ ...SMOLLM2, num_key_value_heads: 4 })).toThrow(/multiple of num_key_value_heads/);
    expect(() => parseLlamaConfig({ ...SMOLLM2, hidden_size: 577 })).toThrow(/not a multiple of num_attention_heads/);
    expect(() => parseLlamaConfig({ ...SMOLLM2, hidden_act: 'gelu' })).toThrow(/unsupported hidden_act "gelu"/);
    expect(() => parseLlamaConfig({ ...SMOLLM2, attention_bias: true })).toThrow(/attention_bias: true on a llama/);
    expect(() => parseLlamaConfig([])).toThrow(/not a JSON object/);
  });
});

describe('parseGenerationConfig', () => {
  it('reads eos ids as a number or a list and ignores junk', () => {
    expect(parseGenerationConfig({ bos_token_id: 1, eos_token_id: [2, 3] })).toEqual({
      bosTokenId: 1,
      eosTokenIds: [2, 3],
    });
    expect(parseGenerationConfig({ eos_token_id: 5 })).toEqual({ bosTokenId: null, eosTokenIds: [5] });
    expect(parseGenerationConfig(null)).toEqual({ bosTokenId: null, eosTokenIds: [] });
  });
});
