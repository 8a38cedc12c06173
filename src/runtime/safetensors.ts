/**
 * safetensors reading: an 8-byte little-endian header length, a JSON header
 * (`{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`), then the raw little-endian data.
 * Tensors come back as views into the file's buffer (no copy), so a 700 MB checkpoint costs 700 MB, not 1.4 GB.
 *
 * Also: sharded checkpoints (`model.safetensors.index.json`) and a check of the tensors against a Llama config.
 */
import { SafetensorsError } from './errors';
import type { LlamaConfig, RawTensor, TensorMap, WeightDType } from './types';

/** Bytes per element of the dtypes we read. */
export const DTYPE_BYTES: Readonly<Record<WeightDType, number>> = { F32: 4, F16: 2, BF16: 2 };

/** dtypes the safetensors format defines that we recognise but cannot use (named in a different message). */
const OTHER_KNOWN_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'I32',
  'U32',
  'F64',
  'I64',
  'U64',
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
]);

/** The format caps the header at 100 MB; anything bigger is a corrupt length, not a header. */
const MAX_HEADER_BYTES = 100_000_000;

/** Byte length of the header (8 + JSON) of a safetensors buffer, or throws like {@link parseSafetensors}. */
export function safetensorsHeaderLength(bytes: Uint8Array, file = 'model.safetensors'): number {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(file, `file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.byteLength - 8) || headerLen > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      file,
      `header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes): truncated or not a safetensors file`,
    );
  }
  return 8 + Number(headerLen);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses a whole safetensors file into a {@link TensorMap}. The tensors' `data` are views into `buffer`.
 * @param buffer the file's bytes
 * @param file the file name, used in every error message
 * @throws SafetensorsError for a header length past the end of the file, a header that is not JSON, an unknown or
 *   unsupported dtype, data_offsets past the end of the data, or offsets that disagree with shape × dtype size
 */
export function parseSafetensors(buffer: ArrayBuffer | Uint8Array, file = 'model.safetensors'): TensorMap {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const dataStart = safetensorsHeaderLength(bytes, file);
  const dataLength = bytes.byteLength - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    throw new SafetensorsError(file, `invalid JSON header (${(err as Error).message})`);
  }
  if (!isRecord(header)) throw new SafetensorsError(file, 'invalid JSON header (not an object)');

  const tensors: TensorMap = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isRecord(entry)) throw new SafetensorsError(file, `tensor "${name}": header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') throw new SafetensorsError(file, `tensor "${name}": missing dtype`);
    if (!(dtype in DTYPE_BYTES)) {
      const why = OTHER_KNOWN_DTYPES.has(dtype) ? 'is not supported' : 'is unknown';
      throw new SafetensorsError(file, `tensor "${name}": dtype "${dtype}" ${why} (supported: F32, F16, BF16)`);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      throw new SafetensorsError(file, `tensor "${name}": shape ${JSON.stringify(shape)} is not a list of sizes`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": data_offsets ${JSON.stringify(offsets)} are not [begin, end]`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes): file truncated`,
      );
    }
    const wdtype = dtype as WeightDType;
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[wdtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`,
      );
    }
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    tensors.set(name, { dtype: wdtype, shape: [...(shape as number[])], data });
  }
  return tensors;
}

/** A parsed `model.safetensors.index.json`. */
export interface ShardIndex {
  /** Tensor name -> shard file name. */
  weightMap: Map<string, string>;
  /** The distinct shard files, in a stable (sorted) order. */
  files: string[];
}

/**
 * Parses a sharded checkpoint's index (`{ metadata?, weight_map: { tensor: file } }`).
 * @throws SafetensorsError when the JSON has no weight_map or a shard name is not a plain file name
 */
export function parseShardIndex(json: unknown, file = 'model.safetensors.index.json'): ShardIndex {
  const weightMap = isRecord(json) ? json.weight_map : undefined;
  if (!isRecord(weightMap)) throw new SafetensorsError(file, 'no "weight_map" object');
  const map = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // A shard name is joined onto a folder URL or path: refuse anything that could climb out of the folder.
    if (typeof shard !== 'string' || !/^[\w.-]+\.safetensors$/.test(shard)) {
      throw new SafetensorsError(
        file,
        `weight_map["${name}"] = ${JSON.stringify(shard)} is not a .safetensors file name`,
      );
    }
    map.set(name, shard);
  }
  if (map.size === 0) throw new SafetensorsError(file, '"weight_map" is empty');
  return { weightMap: map, files: [...new Set(map.values())].sort() };
}

/**
 * Joins the shards of a sharded checkpoint into one map, checking each tensor is in the shard the index says.
 * @param shards shard file name -> its parsed tensors
 * @throws SafetensorsError for a tensor in two shards or one missing from the shard the index names
 */
export function mergeShards(index: ShardIndex, shards: ReadonlyMap<string, TensorMap>): TensorMap {
  const merged: TensorMap = new Map();
  for (const [file, tensors] of shards) {
    for (const [name, tensor] of tensors) {
      if (merged.has(name)) throw new SafetensorsError(file, `tensor "${name}" is also in another shard`);
      merged.set(name, tensor);
    }
  }
  for (const [name, file] of index.weightMap) {
    if (!shards.get(file)?.has(name)) {
      throw new SafetensorsError(file, `tensor "${name}" is listed in the index but not in the shard`);
    }
  }
  return merged;
}

/** One tensor a Llama-family model needs, with its expected shape. */
export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/** The tensors (and shapes) a Llama-family model with this config needs, in checkpoint order. */
export function expectedLlamaTensors(config: LlamaConfig): ExpectedTensor[] {
  const { hiddenSize: h, intermediateSize: inter, numHeads, numKvHeads, headDim, vocabSize } = config;
  const q = numHeads * headDim;
  const kv = numKvHeads * headDim;
  const out: ExpectedTensor[] = [{ name: 'model.embed_tokens.weight', shape: [vocabSize, h] }];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      { name: `${p}.input_layernorm.weight`, shape: [h] },
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, h] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, h] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, h] },
    );
    if (config.attentionBias) {
      out.push(
        { name: `${p}.self_attn.q_proj.bias`, shape: [q] },
        { name: `${p}.self_attn.k_proj.bias`, shape: [kv] },
        { name: `${p}.self_attn.v_proj.bias`, shape: [kv] },
      );
    }
    out.push(
      { name: `${p}.self_attn.o_proj.weight`, shape: [h, q] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [h] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [inter, h] },
      { name: `${p}.mlp.up_proj.weight`, shape: [inter, h] },
      { name: `${p}.mlp.down_proj.weight`, shape: [h, inter] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [h] });
  if (!config.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [vocabSize, h] });
  return out;
}

const fmtShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Checks that every tensor the config needs is present with the right shape.
 *
 * The embedding and LM head have `config.vocabSize` rows; rows at or past the tokenizer's vocabulary are padding
 * (many checkpoints round the vocabulary up to a multiple of 64 or 128) and are allowed. Fewer rows than the tokenizer
 * has tokens is an error: those ids would index past the embedding.
 * @param options.file the weights file named in messages (for sharded checkpoints, the index)
 * @param options.tokenizerVocabSize the tokenizer's vocabulary size, when known
 * @throws SafetensorsError naming the missing tensor, or the tensor with the wrong shape and the expected one
 */
export function checkLlamaTensors(
  tensors: TensorMap,
  config: LlamaConfig,
  options: { file?: string; tokenizerVocabSize?: number } = {},
): void {
  const file = options.file ?? 'model.safetensors';
  for (const { name, shape } of expectedLlamaTensors(config)) {
    const tensor: RawTensor | undefined = tensors.get(name);
    if (!tensor) {
      const hint = name === 'lm_head.weight' ? ' (config.json says tie_word_embeddings is false)' : '';
      throw new SafetensorsError(file, `missing tensor "${name}"${hint}, expected shape ${fmtShape(shape)}`);
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError(
        file,
        `tensor "${name}" has shape ${fmtShape(tensor.shape)}, expected ${fmtShape(shape)} from config.json`,
      );
    }
  }
  const tokVocab = options.tokenizerVocabSize;
  if (tokVocab !== undefined && tokVocab > config.vocabSize) {
    throw new SafetensorsError(
      file,
      `the tokenizer has ${tokVocab} tokens but the embedding has only ${config.vocabSize} rows (vocab_size)`,
    );
  }
}
