/**
 * The typed message protocol between the page and the engine (a Web Worker in the browser, or the same host code
 * on the main thread in tests). Every request carries an `id`; every event answers one request by that id.
 * Messages are plain structured-clone data: no classes, no functions.
 */
import type { BenchResult } from '../core/benchmark/summary';
import type { StopReason as EngineStopReason } from '../core/generate';
import type { StepRecord } from '../core/step';
import type { BackendInfo, LlamaConfig, LoadProgress } from '../runtime/types';

/** Stages of a datastore build the engine reports: tokenizing a text, indexing the tokens (suffix array). */
export type DatastoreStage = 'tokenize' | 'index';

/** A corpus datastore the engine holds for `@corpus` strategies, as the page sees it. */
export interface DatastoreSummary {
  /** Where it came from, e.g. the URL of the target's `datastore.bin`, or `pasted text (1.2 KB)`. */
  label: string;
  tokens: number;
  /** Wall time to tokenize (text only) and index, ms. */
  buildMs: number;
  /** Bytes the index holds. */
  memoryBytes: number;
}

/** Which backend the page asks for; `auto` = WebGPU when the browser has it, else WASM. */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm';

/** Load (or reuse) a draft/target pair. Sources are model source strings (runtime/source.ts): hub ids or folder URLs. */
export interface LoadRequest {
  draft: string;
  target: string;
  backend: BackendRequest;
  /** URL that relative folder sources (`./models/NAME`) resolve against: the page's base URL, not the worker's. */
  baseUrl: string;
}

/** Sampling and length settings shared by single runs and comparisons. */
export interface DecodeSettings {
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  maxNewTokens: number;
}

/** One generation on the loaded pair. */
export interface GenerateRequest extends DecodeSettings {
  prompt: string;
  /** Wrap the prompt in the target's chat template when it has one. */
  chat: boolean;
  strategy: string;
  /** Step-by-step mode: the engine waits for a `next` message before each target call after the first. */
  stepMode: boolean;
}

/**
 * Several strategies on the same prompts and settings, run by core's benchmark protocol (the one `cli bench` runs):
 * warm-up rounds until the step time is stable, then per (repeat, prompt) every strategy once, the order rotated.
 */
export interface CompareRequest extends DecodeSettings {
  prompts: string[];
  chat: boolean;
  strategies: string[];
  /** Times every (prompt, strategy) runs (default 1). */
  repeats?: number;
  /** Budgets run next to each `auto` strategy (default none). */
  autoSweep?: number[];
}

/** Page -> engine. */
export type EngineRequest =
  | { type: 'load'; id: number; load: LoadRequest }
  | { type: 'generate'; id: number; run: GenerateRequest }
  | { type: 'compare'; id: number; compare: CompareRequest }
  /** Release a step-mode run waiting before its next target call; `resume` leaves step mode for the rest of it. */
  | { type: 'next'; id: number; resume?: boolean }
  /** Abort the request `id` (a load, run or comparison); it ends with a `stopped` result within one step. */
  | { type: 'stop'; id: number }
  /**
   * Build a corpus datastore with the loaded pair's tokenizer from a user's text, or a file's bytes (UTF-8 text, or a
   * datastore file starting with "SDNG"); on success it replaces the datastore the engine held.
   */
  | { type: 'datastore'; id: number; content: string | Uint8Array; label: string };

/** What the page needs to know about one loaded model. */
export interface ModelSummary {
  id: string;
  hash: string;
  config: LlamaConfig;
}

/** Answer to `load`. */
export interface LoadResult {
  draft: ModelSummary;
  target: ModelSummary;
  backend: BackendInfo;
  /** The text of every token id, for drawing trees and output without calling the tokenizer per token. */
  vocab: string[];
  eosTokenIds: number[];
  hasChatTemplate: boolean;
  /** Load time in ms (0 when the pair was already loaded). */
  elapsedMs: number;
  /**
   * The corpus datastore `@corpus` strategies draft from: the one the target folder ships (`datastore.bin`), or one
   * built since for this pair; null when there is none.
   */
  datastore: DatastoreSummary | null;
  /** Why the target's shipped `datastore.bin` could not be used (null when it was, or when there is none). */
  datastoreError: string | null;
}

/** Why a run ended: the engine's reason, or `stopped` by the page. */
export type StopReason = EngineStopReason | 'stopped';

/** Answer to `generate`, and one row of a comparison. Steps stream separately as `step` events. */
export interface RunResult {
  strategy: string;
  /** The strategy that ran: `auto` budgets resolved to the budget most steps used (else the same text). */
  resolvedStrategy: string;
  /** `auto` strategies: the budget chosen before each step (0: target only); else empty. */
  chosenBudgets: number[];
  /** The prompt as token ids (after the chat template, with special tokens). */
  promptIds: number[];
  /** The prompt as the model saw it (after the chat template). */
  promptText: string;
  /** New tokens, in order. */
  tokens: number[];
  text: string;
  stopReason: StopReason;
  /** Wall time of the run in ms (prefill included), measured in the engine. */
  elapsedMs: number;
  /** Whether the run was aborted by `stop`. */
  stopped: boolean;
}

/** Where one run of a comparison sits in the protocol. */
export interface ComparePosition {
  /** Index into the request's prompts. */
  prompt: number;
  repeat: number;
  /** Position within its (repeat, prompt) unit: 0 ran first. */
  order: number;
  /** True for rows the protocol added (the `ar` baseline, an `auto` sweep budget). */
  added: boolean;
}

/**
 * Answer to `compare` (the runs themselves came as `compare-run` events): the benchmark's result document over the
 * complete units, the same document `cli bench` writes.
 */
export interface CompareResult {
  stopped: boolean;
  bench: BenchResult;
}

/** An error as data (errors do not survive structured clone with their class and fields). */
export interface EngineErrorInfo {
  /** The error class name, e.g. `VocabularyMismatchError`, `InvalidSettingError`, `FetchError`. */
  name: string;
  message: string;
  /** The file at fault, for model loading errors. */
  file: string | null;
  /** The setting at fault, for invalid settings. */
  setting: string | null;
}

/**
 * What a request is busy with while it shows nothing else: `loading` a pair, `profiling` a model's t(n) (`done` of
 * `total` forward calls; a first `auto` run measures both models), a comparison's `warmup` round.
 */
export type EnginePhase =
  | { kind: 'loading' }
  | { kind: 'profiling'; role: 'draft' | 'target'; done: number; total: number }
  | { kind: 'warmup'; round: number };

/** Engine -> page. */
export type EngineEvent =
  | { type: 'progress'; id: number; progress: LoadProgress }
  /** The request's phase changed; null: none (it is generating, or measuring a comparison's runs). */
  | { type: 'phase'; id: number; phase: EnginePhase | null }
  | { type: 'step'; id: number; step: StepRecord; /** comparison row index; 0 for a single run */ run: number }
  /** A comparison's warm-up finished a round (ms per token of the round, all strategies together). */
  | { type: 'compare-warmup'; id: number; round: number; msPerToken: number }
  /** A comparison finished one measured run (`run` of `total`, in the order they ran). */
  | {
      type: 'compare-run';
      id: number;
      run: number;
      total: number;
      position: ComparePosition;
      result: RunResult;
      steps: StepRecord[];
    }
  /** A step-mode run is waiting for `next`. */
  | { type: 'waiting'; id: number; stepIndex: number }
  /** Progress of a datastore build (`datastore` requests, and the shipped datastore's indexing during `load`). */
  | { type: 'datastore-progress'; id: number; stage: DatastoreStage; fraction: number }
  | { type: 'loaded'; id: number; result: LoadResult }
  /** Answer to `datastore`: the datastore the engine now holds. */
  | { type: 'datastore-built'; id: number; result: DatastoreSummary }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'compared'; id: number; result: CompareResult }
  | { type: 'error'; id: number; error: EngineErrorInfo };

/** Turns any thrown value into EngineErrorInfo, keeping the fields the runtime and core errors carry. */
export function toErrorInfo(e: unknown): EngineErrorInfo {
  if (e instanceof Error) {
    const fields = e as Error & { file?: unknown; setting?: unknown };
    return {
      name: e.name,
      message: e.message,
      file: typeof fields.file === 'string' ? fields.file : null,
      setting: typeof fields.setting === 'string' ? fields.setting : null,
    };
  }
  return { name: 'Error', message: String(e), file: null, setting: null };
}

/** An EngineErrorInfo rethrown on the page side, with the engine's class name and fields. */
export class EngineError extends Error {
  readonly file: string | null;
  readonly setting: string | null;
  constructor(info: EngineErrorInfo) {
    super(info.message);
    this.name = info.name;
    this.file = info.file;
    this.setting = info.setting;
  }
}
