/**
 * Types shared by the runtime's parts (graph compiler, weights, tokenizer, fetching) and by the layers above it.
 */
import type { LanguageModel } from '../core/model';

/** Element types a safetensors file may hold for the weights we read. */
export type WeightDType = 'F32' | 'F16' | 'BF16';

/** One tensor as stored: little-endian raw bytes plus dtype and shape. */
export interface RawTensor {
  dtype: WeightDType;
  shape: number[];
  data: Uint8Array;
}

/** Tensors by their Hugging Face name, e.g. `model.layers.0.self_attn.q_proj.weight`. */
export type TensorMap = Map<string, RawTensor>;

/** Normalised Llama-family configuration (parsed and validated from a Hugging Face config.json). */
export interface LlamaConfig {
  modelType: 'llama' | 'qwen2' | 'mistral';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** llama3-style rope scaling, when the config has it. */
  ropeScaling: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number } | null;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2). */
  attentionBias: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** Where a model folder comes from. */
export type ModelSource =
  | { kind: 'url'; url: string } // a folder served over HTTP(S) or a path the page serves, e.g. `/models/NAME/`
  | { kind: 'path'; path: string } // a local folder (Node only)
  | { kind: 'hub'; id: string; revision: string; endpoint: string }; // `${endpoint}/${id}/resolve/${revision}/${file}`

/** Which onnxruntime-web execution provider runs a model. */
export type Backend = 'wasm' | 'webgpu';

/** What the runtime actually got (WebGPU may have been requested but missing). */
export interface BackendInfo {
  backend: Backend;
  threads: number;
  fp16: boolean;
  /** Why the requested backend was not used, if it was not. */
  fallbackReason: string | null;
}

/** Progress of one file's download. `total` is null when the server sends no length. */
export interface LoadProgress {
  role: 'draft' | 'target';
  file: string;
  loaded: number;
  total: number | null;
  fromCache: boolean;
}

/** Text <-> token ids, over `@huggingface/tokenizers`. */
export interface TextTokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: number[];
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[]): string;
  /** The text of one token on its own (for drawing tree nodes). */
  tokenText(id: number): string;
  /** Chat template rendering (instruct models only); null when the model has no template. */
  applyChatTemplate: ((messages: { role: string; content: string }[]) => string) | null;
}

/** A loaded, ready-to-run model. */
export interface LoadedModel {
  /** Display id: a hub id, a folder name or a path. */
  id: string;
  /** Short content hash of config + weights (for traces). */
  hash: string;
  config: LlamaConfig;
  model: LanguageModel;
  tokenizer: TextTokenizer;
  backend: BackendInfo;
}
