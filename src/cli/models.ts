/**
 * The models a command runs: the bundled pair by default, or any source the runtime's loader reads. Loading goes
 * through a `PairLoader` so tests can hand in-process models to the commands.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModel } from '../core/model';
import { loadModel, loadModelPair } from '../runtime/load';
import type { BackendInfo, TextTokenizer } from '../runtime/types';

/** The repository root (this file is src/cli/models.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The bundled draft and target folders (resolved against the repository when not found from the working directory). */
export const DEFAULT_DRAFT = 'models/specdec-draft';
export const DEFAULT_TARGET = 'models/specdec-target';

/** A model as the commands need it. */
export interface CliModel {
  id: string;
  hash: string;
  model: LanguageModel;
  backend: BackendInfo;
}

/** A loaded draft/target pair with the shared tokenizer. */
export interface CliPair {
  draft: CliModel;
  target: CliModel;
  tokenizer: TextTokenizer;
}

/** Loads models by source text, on `threads` WASM threads (default 1). */
export interface ModelLoader {
  pair(draft: string, target: string, threads?: number): Promise<CliPair>;
  single(source: string, role: 'draft' | 'target', threads?: number): Promise<CliModel>;
}

/**
 * Source text as the loader should read it: an existing local folder wins (so `models/x` works without `./`, which
 * the runtime's rule would otherwise read as the hub id `models/x`); anything else goes to the runtime as typed.
 */
export function resolveSourceText(text: string): string {
  // The working directory first, then the repository (so the default `models/...` works from anywhere).
  for (const path of [resolve(text), resolve(REPO_ROOT, text)]) {
    if (existsSync(path) && statSync(path).isDirectory()) return path;
  }
  return text;
}

/** The real loader: onnxruntime-web WASM in this process. */
export const wasmLoader: ModelLoader = {
  async pair(draft, target, threads) {
    const options = { backend: 'wasm' as const, numThreads: threads };
    const pair = await loadModelPair(resolveSourceText(draft), resolveSourceText(target), options);
    return { draft: pair.draft, target: pair.target, tokenizer: pair.tokenizer };
  },
  async single(source, role, threads) {
    return loadModel(resolveSourceText(source), { backend: 'wasm', role, numThreads: threads });
  },
};
