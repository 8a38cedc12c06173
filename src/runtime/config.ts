/**
 * Hugging Face `config.json` -> {@link LlamaConfig}. Only the Llama family the graph compiler emits is accepted
 * (RMSNorm, RoPE, GQA, SwiGLU, optional q/k/v bias); everything else is refused with a message naming the field,
 * rather than loading and producing wrong logits.
 */
import { ConfigError } from './errors';
import type { LlamaConfig } from './types';

/** `model_type` values the runtime runs. */
export const SUPPORTED_ARCHITECTURES = ['llama', 'qwen2', 'mistral'] as const;

/** Hugging Face's per-architecture default for max_position_embeddings (used only when the config omits it). */
const DEFAULT_MAX_POSITIONS: Record<LlamaConfig['modelType'], number> = {
  llama: 2048,
  qwen2: 32768,
  mistral: 131072,
};

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads fields of one config file, throwing ConfigErrors that name the file and the field. */
class FieldReader {
  constructor(
    private readonly json: Json,
    private readonly file: string,
  ) {}

  fail(field: string | null, message: string): never {
    throw new ConfigError(this.file, field, message);
  }

  has(field: string): boolean {
    return this.json[field] !== undefined && this.json[field] !== null;
  }

  /** A positive integer; `fallback` when absent (undefined fallback = required). */
  int(field: string, fallback?: number): number {
    const value = this.json[field];
    if (value === undefined || value === null) {
      if (fallback === undefined) this.fail(field, `missing required field "${field}"`);
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      this.fail(field, `"${field}" must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** A positive finite number; `fallback` when absent. */
  positive(field: string, fallback: number, from: Json = this.json, label = field): number {
    const value = from[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      this.fail(label, `"${label}" must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  bool(field: string, fallback: boolean): boolean {
    const value = this.json[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(field, `"${field}" must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  /** A token id, or null when absent. */
  tokenId(field: string): number | null {
    const value = this.json[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(field, `"${field}" must be a token id, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** One token id or a list of them (eos_token_id); [] when absent. */
  tokenIds(field: string): number[] {
    const value = this.json[field];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
      this.fail(field, `"${field}" must be a token id or a list of them, got ${JSON.stringify(value)}`);
    }
    return [...new Set(list as number[])];
  }
}

/** `rope_scaling` (or transformers v5 `rope_parameters`) -> llama3 scaling, null for none; other kinds refused. */
function parseRopeScaling(r: FieldReader, json: Json): LlamaConfig['ropeScaling'] {
  const field = isRecord(json.rope_scaling) ? 'rope_scaling' : 'rope_parameters';
  const scaling = json[field];
  if (scaling === undefined || scaling === null) return null;
  if (!isRecord(scaling)) return r.fail(field, `"${field}" must be an object, got ${JSON.stringify(scaling)}`);
  const kind = scaling.rope_type ?? scaling.type ?? 'default';
  if (kind === 'default') return null;
  if (kind !== 'llama3') {
    return r.fail(
      field,
      `unsupported ${field} type ${JSON.stringify(kind)}: only "llama3" scaling (or none) is supported`,
    );
  }
  const need = (key: string): number => {
    const v = r.positive(key, NaN, scaling, `${field}.${key}`);
    if (Number.isNaN(v)) r.fail(`${field}.${key}`, `missing required field "${field}.${key}" for llama3 scaling`);
    return v;
  };
  const scalingOut = {
    factor: need('factor'),
    lowFreqFactor: need('low_freq_factor'),
    highFreqFactor: need('high_freq_factor'),
    originalMaxPositions: need('original_max_position_embeddings'),
  };
  if (scalingOut.highFreqFactor <= scalingOut.lowFreqFactor) {
    r.fail(`${field}.high_freq_factor`, `"${field}.high_freq_factor" must be larger than low_freq_factor`);
  }
  return scalingOut;
}

/** Refuses options that would change the maths the graph compiler implements. */
function refuseUnsupported(r: FieldReader, json: Json, modelType: LlamaConfig['modelType']): void {
  const act = json.hidden_act ?? json.hidden_activation;
  if (act !== undefined && act !== 'silu' && act !== 'swish') {
    r.fail('hidden_act', `unsupported hidden_act ${JSON.stringify(act)}: only "silu" is supported`);
  }
  if (modelType === 'llama' && json.attention_bias === true) {
    // Llama's attention_bias also adds an o_proj bias, which the graph does not have (Qwen2 biases only q/k/v).
    r.fail('attention_bias', 'attention_bias: true on a llama config (biases on q/k/v/o) is not supported');
  }
  if (json.mlp_bias === true) r.fail('mlp_bias', 'mlp_bias: true is not supported');
}

/**
 * Parses and validates a Hugging Face config.json of a Llama-family model.
 *
 * Defaults follow transformers: `num_key_value_heads` = heads, `head_dim` = hidden / heads, `rope_theta` = 10000,
 * `rms_norm_eps` = 1e-6, `tie_word_embeddings` = false, `attention_bias` = false (always true for qwen2, whose
 * q/k/v projections carry a bias). A sliding window (mistral, or qwen2 with `use_sliding_window`) caps
 * `maxPositions` at the window, since the graph attends to the whole cache and is exact only within it.
 * @param json the parsed config.json
 * @param file the file name used in error messages
 * @throws ConfigError naming the field: `unsupported architecture "X"`, missing/invalid numeric fields, unsupported
 *   rope scaling, inconsistent head counts
 */
export function parseLlamaConfig(json: unknown, file = 'config.json'): LlamaConfig {
  if (!isRecord(json)) throw new ConfigError(file, null, 'not a JSON object');
  const r = new FieldReader(json, file);
  const modelType = json.model_type;
  if (typeof modelType !== 'string' || !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(modelType)) {
    const shown = typeof modelType === 'string' ? modelType : String(modelType ?? 'missing');
    r.fail(
      'model_type',
      `unsupported architecture "${shown}" (model_type); supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
    );
  }
  const type = modelType as LlamaConfig['modelType'];
  refuseUnsupported(r, json, type);

  const hiddenSize = r.int('hidden_size');
  const numHeads = r.int('num_attention_heads');
  const numKvHeads = r.int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    r.fail(
      'num_key_value_heads',
      `num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`,
    );
  }
  if (!r.has('head_dim') && hiddenSize % numHeads !== 0) {
    r.fail('head_dim', `no head_dim and hidden_size (${hiddenSize}) is not a multiple of num_attention_heads`);
  }
  const headDim = r.int('head_dim', hiddenSize / numHeads);
  if (headDim % 2 !== 0) r.fail('head_dim', `head_dim (${headDim}) must be even for rotary embeddings`);

  const ropeParams = isRecord(json.rope_parameters) ? json.rope_parameters : {};
  const ropeTheta = r.positive('rope_theta', r.positive('rope_theta', 10000, ropeParams, 'rope_parameters.rope_theta'));

  let maxPositions = r.int('max_position_embeddings', DEFAULT_MAX_POSITIONS[type]);
  const windowed = type === 'mistral' || (type === 'qwen2' && json.use_sliding_window === true);
  if (windowed && r.has('sliding_window')) maxPositions = Math.min(maxPositions, r.int('sliding_window'));

  return {
    modelType: type,
    vocabSize: r.int('vocab_size'),
    hiddenSize,
    intermediateSize: r.int('intermediate_size'),
    numLayers: r.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: r.positive('rms_norm_eps', 1e-6),
    ropeTheta,
    ropeScaling: parseRopeScaling(r, json),
    maxPositions,
    tieWordEmbeddings: r.bool('tie_word_embeddings', false),
    attentionBias: type === 'qwen2' ? true : r.bool('attention_bias', false),
    bosTokenId: r.tokenId('bos_token_id'),
    eosTokenIds: r.tokenIds('eos_token_id'),
  };
}

/**
 * Token ids from an optional generation_config.json (`eos_token_id` number or list, `bos_token_id`).
 * Malformed fields are ignored: the file is advisory and config.json has the authoritative values.
 */
export function parseGenerationConfig(json: unknown): { bosTokenId: number | null; eosTokenIds: number[] } {
  if (!isRecord(json)) return { bosTokenId: null, eosTokenIds: [] };
  const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const eos = Array.isArray(json.eos_token_id) ? json.eos_token_id : [json.eos_token_id];
  return { bosTokenId: isId(json.bos_token_id) ? json.bos_token_id : null, eosTokenIds: eos.filter(isId) };
}
