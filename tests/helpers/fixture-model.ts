/**
 * Tiny model folders for the loader tests: a random Llama config.json, weights in a safetensors file (F32, F16 or
 * BF16; one file or two shards with an index), and a byte-level BPE tokenizer built here (3 special tokens, the
 * 256 byte symbols, 5 merges), plus tokenizer_config.json with a ChatML template.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng';
import { parseLlamaConfig } from '../../src/runtime/config';
import { DTYPE_BYTES, expectedLlamaTensors } from '../../src/runtime/safetensors';
import type { LlamaConfig, WeightDType } from '../../src/runtime/types';

/** One tensor to write: values as floats (encoded to `dtype`) or raw bytes. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Serialises tensors as a safetensors file (header padded with spaces to 8 bytes, as the reference writer does). */
export function writeSafetensors(tensors: readonly TensorSpec[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> IEEE half bits (round to nearest even; no subnormal care beyond flushing tiny values to zero). */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  const round = mant & 0x1fff;
  mant >>>= 13;
  let bits = sign | (exp << 10) | mant;
  if (round > 0x1000 || (round === 0x1000 && (mant & 1) === 1)) bits += 1;
  return bits;
}

/** float -> bfloat16 bits (round to nearest even). */
export function f32ToBf16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes floats as little-endian F32, F16 or BF16 bytes. */
export function encodeAs(values: ArrayLike<number>, dtype: WeightDType): Uint8Array {
  const out = new Uint8Array(values.length * DTYPE_BYTES[dtype]);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'F32') view.setFloat32(i * 4, values[i], true);
    else view.setUint16(i * 2, dtype === 'F16' ? f32ToF16Bits(values[i]) : f32ToBf16Bits(values[i]), true);
  }
  return out;
}

/** GPT-2's byte -> printable character map, used by byte-level BPE vocabularies. */
function bytesToUnicode(): string[] {
  const keep = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(keep(b) ? b : 256 + extra++));
  return chars;
}

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const MERGES: [string, string][] = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġt', 'he'],
  ['i', 'n'],
  ['Ġ', 'a'],
];
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Options of the fixture tokenizer. */
export interface FixtureTokenizerOptions {
  /** Replace the token string of one id (to make two vocabularies differ). */
  rename?: { id: number; to: string };
  /** Extra special tokens appended after the merges. */
  extraSpecial?: string[];
  /** tokenizer_config.json add_bos_token (BOS = `<|endoftext|>`); absent when undefined. */
  addBos?: boolean;
  chatTemplate?: boolean;
}

/** A tiny byte-level BPE tokenizer.json + tokenizer_config.json; 264 tokens by default. */
export function fixtureTokenizer(options: FixtureTokenizerOptions = {}): {
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
} {
  const tokens = [...SPECIAL_TOKENS, ...bytesToUnicode(), ...MERGES.map(([a, b]) => a + b)];
  const extra = options.extraSpecial ?? [];
  if (options.rename) tokens[options.rename.id] = options.rename.to;
  const vocab: Record<string, number> = {};
  tokens.forEach((t, id) => (vocab[t] = id));
  const added = [
    ...SPECIAL_TOKENS.map((content, id) => ({ id, content })),
    ...extra.map((content, i) => ({ id: tokens.length + i, content })),
  ];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map((t) => ({
      ...t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: MERGES,
    },
  };
  const tokenizerConfig: Record<string, unknown> = {
    bos_token: '<|endoftext|>',
    eos_token: '<|im_end|>',
    unk_token: '<|endoftext|>',
    model_max_length: 64,
    clean_up_tokenization_spaces: false,
  };
  if (options.addBos !== undefined) tokenizerConfig.add_bos_token = options.addBos;
  if (options.chatTemplate ?? true) tokenizerConfig.chat_template = CHATML_TEMPLATE;
  return { tokenizerJson, tokenizerConfig };
}

/** Tokens of the default fixture tokenizer. */
export const FIXTURE_VOCAB = SPECIAL_TOKENS.length + 256 + MERGES.length;

/** Options of {@link writeFixtureModel}. */
export interface FixtureModelOptions {
  dtype?: WeightDType;
  seed?: number;
  /** Rows of the embedding past the tokenizer's vocabulary. */
  paddingRows?: number;
  /** Split the weights in two shards with a model.safetensors.index.json. */
  sharded?: boolean;
  /** Fields merged into config.json (e.g. `{ model_type: 'qwen2' }`); a null value deletes the field. */
  config?: Record<string, unknown>;
  tokenizer?: FixtureTokenizerOptions;
  /** Files not to write (e.g. `['tokenizer.json']`). */
  omit?: string[];
  /** The folder to write into (default: a new temp folder). */
  dir?: string;
}

/** A written fixture folder. */
export interface FixtureModel {
  dir: string;
  config: LlamaConfig;
  /** Every file written, by name. */
  files: Map<string, Uint8Array>;
}

/** The config.json of the fixture model (a tiny SmolLM-like llama). */
export function fixtureConfigJson(options: FixtureModelOptions = {}): Record<string, unknown> {
  const json: Record<string, unknown> = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: FIXTURE_VOCAB + (options.tokenizer?.extraSpecial?.length ?? 0) + (options.paddingRows ?? 8),
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: true,
    bos_token_id: 0,
    eos_token_id: 2,
    hidden_act: 'silu',
    torch_dtype: 'bfloat16',
  };
  for (const [k, v] of Object.entries(options.config ?? {})) {
    if (v === null) delete json[k];
    else json[k] = v;
  }
  return json;
}

/** Writes a tiny random Llama model folder and returns where, its parsed config and the bytes of every file. */
export async function writeFixtureModel(options: FixtureModelOptions = {}): Promise<FixtureModel> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'specdec-fixture-')));
  await mkdir(dir, { recursive: true });
  const configJson = fixtureConfigJson(options);
  const config = parseLlamaConfig(configJson);
  const dtype = options.dtype ?? 'BF16';
  const rng = new Rng(options.seed ?? 1);
  const specs: TensorSpec[] = expectedLlamaTensors(config).map(({ name, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const isNorm = shape.length === 1 && name.endsWith('norm.weight');
    const values = Float32Array.from({ length: count }, () => (isNorm ? 1 : 0) + 0.2 * (2 * rng.next() - 1));
    return { name, dtype, shape, data: encodeAs(values, dtype) };
  });
  const files = new Map<string, Uint8Array>();
  const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value, null, 2));
  files.set('config.json', text(configJson));
  const { tokenizerJson, tokenizerConfig } = fixtureTokenizer(options.tokenizer);
  files.set('tokenizer.json', text(tokenizerJson));
  files.set('tokenizer_config.json', text(tokenizerConfig));
  files.set('generation_config.json', text({ bos_token_id: 0, eos_token_id: [2, 0] }));
  if (options.sharded) {
    const half = Math.ceil(specs.length / 2);
    const shards = [specs.slice(0, half), specs.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const name = `model-0000${i + 1}-of-00002.safetensors`;
      files.set(name, writeSafetensors(shard));
      for (const t of shard) weightMap[t.name] = name;
    });
    files.set('model.safetensors.index.json', text({ metadata: {}, weight_map: weightMap }));
  } else {
    files.set('model.safetensors', writeSafetensors(specs, { format: 'pt' }));
  }
  for (const name of options.omit ?? []) files.delete(name);
  for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
  return { dir, config, files };
}
