/**
 * Loading a model folder end to end: config.json, the tokenizer files, the weights (one safetensors file or a
 * sharded index), every check, then the onnxruntime model. And a draft/target pair, checked to share a vocabulary
 * before any session is built (so a mismatch fails in seconds, not after minutes of graph building).
 */
import type { LanguageModel } from '../core/model';
import { parseLlamaConfig } from './config';
import { ModelLoadError, PairSideError } from './errors';
import type { FetcherOptions, FileFetcher, ReadOptions } from './fetch';
import { createFileFetcher, parseJsonBytes, readJson, readOptionalJson } from './fetch';
import { checkVocabularyPair } from './pair';
import {
  checkLlamaTensors,
  mergeShards,
  parseSafetensors,
  parseShardIndex,
  safetensorsHeaderLength,
} from './safetensors';
import { describeModelSource, parseModelSource } from './source';
import type { HfTextTokenizer } from './tokenizer';
import { createTokenizer } from './tokenizer';
import type { Backend, BackendInfo, LlamaConfig, LoadProgress, LoadedModel, ModelSource, TensorMap } from './types';

/** Builds the runnable model from a config and its weights (the signature of `createOnnxModel`). */
export type ModelFactory = (
  config: LlamaConfig,
  tensors: TensorMap,
  options: { backend: Backend; numThreads?: number; wasmPaths?: string },
) => Promise<{ model: LanguageModel; backend: BackendInfo }>;

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  role: 'draft' | 'target';
  backend: Backend;
  numThreads?: number;
  /** Where onnxruntime-web finds its .wasm files. */
  wasmPaths?: string;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Fetching options: cache, extra headers (hub token), retry delay, a custom fetch. */
  fetcher?: FetcherOptions;
  /** Builds the model (default: `createOnnxModel`, imported lazily so onnxruntime loads only when needed). */
  createModel?: ModelFactory;
}

/** A loaded model whose tokenizer also exposes its vocabulary (for the pair check). */
export interface LoadedHfModel extends LoadedModel {
  tokenizer: HfTextTokenizer;
}

/** A model folder fetched, parsed and checked, but not yet built into a runnable model. */
export interface ModelFiles {
  id: string;
  hash: string;
  config: LlamaConfig;
  tokenizer: HfTextTokenizer;
  tensors: TensorMap;
}

const INDEX_FILE = 'model.safetensors.index.json';
const SINGLE_FILE = 'model.safetensors';

/**
 * Fetches and checks a model folder: config.json (required), tokenizer.json (required), tokenizer_config.json,
 * generation_config.json and chat_template.jinja (optional), and the weights.
 * @throws ModelLoadError (or a subclass) naming the file at fault
 */
export async function fetchModelFiles(
  source: ModelSource | string,
  options: Omit<LoadModelOptions, 'backend' | 'createModel'>,
): Promise<ModelFiles> {
  const src = typeof source === 'string' ? parseModelSource(source) : source;
  const fetcher = createFileFetcher(src, options.fetcher);
  const { role, signal } = options;
  const read: ReadOptions = {
    signal,
    onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, role })),
  };

  const configBytes = await fetcher.read('config.json', read);
  const config = parseLlamaConfig(parseJsonBytes(configBytes, 'config.json'));
  const [tokenizerJson, tokenizerConfig, generationConfig, weights] = await Promise.all([
    readJson(fetcher, 'tokenizer.json', read),
    readOptionalJson(fetcher, 'tokenizer_config.json', read),
    readOptionalJson(fetcher, 'generation_config.json', read),
    fetchWeights(fetcher, read),
  ]);
  const hasTemplate =
    typeof tokenizerConfig === 'object' && tokenizerConfig !== null && 'chat_template' in tokenizerConfig;
  const templateBytes = hasTemplate ? null : await fetcher.readOptional('chat_template.jinja', read);
  const chatTemplate = templateBytes && new TextDecoder().decode(templateBytes);
  const tokenizer = createTokenizer({ tokenizerJson, tokenizerConfig, generationConfig, config, chatTemplate });
  checkLlamaTensors(weights.tensors, config, { file: weights.file, tokenizerVocabSize: tokenizer.vocabSize });
  return {
    id: describeModelSource(src),
    hash: modelFingerprint(configBytes, weights.files),
    config,
    tokenizer,
    tensors: weights.tensors,
  };
}

/** The weights: `model.safetensors.index.json` and its shards when the index exists, else `model.safetensors`. */
async function fetchWeights(
  fetcher: FileFetcher,
  read: ReadOptions,
): Promise<{ file: string; tensors: TensorMap; files: { name: string; bytes: Uint8Array }[] }> {
  // The index first: it is small, and a single-file model answers it with a cheap 404.
  const indexJson = await readOptionalJson(fetcher, INDEX_FILE, read);
  if (indexJson === null) {
    const bytes = await fetcher.readOptional(SINGLE_FILE, read);
    if (bytes === null) {
      throw new ModelLoadError(
        `no weights: neither ${SINGLE_FILE} nor ${INDEX_FILE} found at ${fetcher.locate(SINGLE_FILE)}`,
        SINGLE_FILE,
      );
    }
    return { file: SINGLE_FILE, tensors: parseSafetensors(bytes, SINGLE_FILE), files: [{ name: SINGLE_FILE, bytes }] };
  }
  const index = parseShardIndex(indexJson, INDEX_FILE);
  const files = await Promise.all(index.files.map(async (name) => ({ name, bytes: await fetcher.read(name, read) })));
  const shards = new Map(files.map(({ name, bytes }) => [name, parseSafetensors(bytes, name)] as const));
  return { file: INDEX_FILE, tensors: mergeShards(index, shards), files };
}

/** Builds fetched files into a runnable model. */
async function buildModel(files: ModelFiles, options: Omit<LoadModelOptions, 'role'>): Promise<LoadedHfModel> {
  options.signal?.throwIfAborted();
  const factory: ModelFactory =
    options.createModel ?? (async (...args) => (await import('./onnx-model')).createOnnxModel(...args));
  const { model, backend } = await factory(files.config, files.tensors, {
    backend: options.backend,
    numThreads: options.numThreads,
    wasmPaths: options.wasmPaths,
  });
  return { id: files.id, hash: files.hash, config: files.config, tokenizer: files.tokenizer, model, backend };
}

/**
 * Loads one model: fetch, check, build.
 * @param source a {@link ModelSource} or a source string ({@link parseModelSource})
 * @throws ModelLoadError (or a subclass) naming the file at fault; the signal's reason when aborted
 */
export async function loadModel(source: ModelSource | string, options: LoadModelOptions): Promise<LoadedHfModel> {
  return buildModel(await fetchModelFiles(source, options), options);
}

/** A draft and a target that share a vocabulary, and the tokenizer to use with both (the target's). */
export interface LoadedPair {
  draft: LoadedHfModel;
  target: LoadedHfModel;
  tokenizer: HfTextTokenizer;
}

/** A source as the user gave it, for messages. */
const sourceText = (src: ModelSource | string): string => (typeof src === 'string' ? src : describeModelSource(src));

/**
 * Loads a draft and a target. Both folders download together; the vocabulary check runs before either model is
 * built; when one download fails the other is aborted.
 * @throws PairSideError (cause: the runtime's ModelLoadError) naming the side and its source when one folder fails
 *   to fetch, parse or check; VocabularyMismatchError when the two vocabularies differ beyond padding rows
 */
export async function loadModelPair(
  draftSource: ModelSource | string,
  targetSource: ModelSource | string,
  options: Omit<LoadModelOptions, 'role'>,
): Promise<LoadedPair> {
  const inner = new AbortController();
  const outer = options.signal;
  const forward = (): void => inner.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener('abort', forward, { once: true });
  const fetchSide = (src: ModelSource | string, role: 'draft' | 'target'): Promise<ModelFiles> =>
    fetchModelFiles(src, { ...options, role, signal: inner.signal }).catch((err: unknown) => {
      // The other side's failure (or the caller's abort) coming back through the shared signal: already reported.
      if (inner.signal.aborted && err === inner.signal.reason) throw err;
      // Model errors say which side; anything else (a bug, an abort) goes on as it is.
      const failure = err instanceof ModelLoadError ? new PairSideError(role, sourceText(src), err) : err;
      inner.abort(failure);
      throw failure;
    });
  try {
    const [d, t] = await Promise.all([fetchSide(draftSource, 'draft'), fetchSide(targetSource, 'target')]);
    checkVocabularyPair(
      { vocab: d.tokenizer, embeddingRows: d.config.vocabSize },
      { vocab: t.tokenizer, embeddingRows: t.config.vocabSize },
    );
    // One after the other: two sessions compiling at once only compete for the same cores or GPU queue.
    const draft = await buildModel(d, options);
    const target = await buildModel(t, options);
    return { draft, target, tokenizer: target.tokenizer };
  } finally {
    outer?.removeEventListener('abort', forward);
  }
}

/** Chunks of the data region sampled into the fingerprint, and their size. */
const SAMPLE_CHUNKS = 64;
const SAMPLE_BYTES = 256;

/**
 * A short content hash for traces: 16 hex digits from two 32-bit multiplicative lanes (FNV-1a, and the same loop
 * with MurmurHash's multiplier so the lanes do not move together) over the config.json bytes and, for each weights
 * file in name order, its name, its whole header (names, dtypes, shapes, offsets) and 64 evenly spaced 256-byte
 * samples of its data plus its last 256 bytes. Hashing every byte of a 700 MB checkpoint would cost seconds;
 * retraining or re-quantising changes the sampled bytes anyway, and the header pins every shape. Synchronous and
 * the same in Node, pages and workers (crypto.subtle is missing on non-secure origins).
 */
export function modelFingerprint(
  configBytes: Uint8Array,
  files: readonly { name: string; bytes: Uint8Array }[],
): string {
  const lanes = [0x811c9dc5, 0x811c9dc5];
  const primes = [0x01000193, 0x5bd1e995];
  const feed = (bytes: Uint8Array): void => {
    for (let l = 0; l < 2; l++) {
      let h = lanes[l];
      const prime = primes[l];
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], prime);
      lanes[l] = h >>> 0;
    }
  };
  const encoder = new TextEncoder();
  feed(configBytes);
  for (const { name, bytes } of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    feed(encoder.encode(name));
    const start = safetensorsHeaderLength(bytes, name);
    feed(bytes.subarray(0, start));
    const span = bytes.length - start;
    for (let c = 0; c < SAMPLE_CHUNKS; c++) {
      const at = start + Math.floor((span * c) / SAMPLE_CHUNKS);
      feed(bytes.subarray(at, Math.min(at + SAMPLE_BYTES, bytes.length)));
    }
    feed(bytes.subarray(Math.max(start, bytes.length - SAMPLE_BYTES)));
  }
  return lanes.map((h) => h.toString(16).padStart(8, '0')).join('');
}
