/**
 * The models a command runs: the bundled pair by default, or any source the runtime's loader reads. Loading goes
 * through a `PairLoader` so tests can hand in-process models to the commands.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModel } from '../core/model';
import { loadModel, loadModelPair } from '../runtime/load';
import { parseModelSource } from '../runtime/source';
import type { BackendInfo, ModelSource, TextTokenizer } from '../runtime/types';
import { CliError } from './io';

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

/** True when `path` is an existing folder. */
const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/**
 * Source text as the loader should read it. An existing local folder wins, looked up from the working directory,
 * then from the repository (so the default `models/...` works from anywhere): `models/x` is a folder here although
 * the runtime's rule alone would read it as the hub id `models/x`. What is not a folder fails here, at once and
 * with a message saying which forms work, rather than as a download from the hub: a file, a missing path, a text
 * that is no hub id either, and a hub-id-looking `dir/typo` whose `dir` is a local folder (`hf:` forces the hub).
 * URLs and `hf:` ids go to the runtime as typed.
 * @param what how messages name the model, e.g. `draft model`
 * @throws CliError for the cases above
 */
export function resolveSourceText(text: string, what = 'model'): string {
  const input = text.trim();
  let parsed: ModelSource | null = null;
  try {
    parsed = parseModelSource(input, { runtime: 'node' });
  } catch {
    // Neither a path, a URL nor a hub id: only an existing folder can save it (below).
  }
  if (parsed?.kind === 'url' || /^hf:/.test(input) || /^file:\/\//i.test(input)) return input;
  const candidates = [...new Set([resolve(input), resolve(REPO_ROOT, input)])];
  const folder = candidates.find(isFolder);
  if (folder) return folder;
  const file = candidates.find((path) => existsSync(path));
  if (file) throw new CliError(`${what} ${input}: ${file} is a file, not a model folder`);
  if (parsed?.kind === 'path') throw new CliError(`${what} ${input}: no such folder ${resolve(input)}`);
  if (parsed?.kind === 'hub') {
    const top = input.split('/')[0];
    if ([resolve(top), resolve(REPO_ROOT, top)].some(isFolder)) {
      throw new CliError(
        `${what} ${input}: no such folder ${resolve(input)} (${top}/ is a local folder, so this looks like a ` +
          `mistyped path; for the Hugging Face model of that name write hf:${input})`,
      );
    }
    return input;
  }
  throw new CliError(
    `${what} ${JSON.stringify(input)}: no such folder ${resolve(input)}, and not a hub id (org/name); ` +
      `give a folder that exists (e.g. ./${input}), a hub id (org/name or hf:org/name@revision) ` +
      `or an http(s):// folder URL`,
  );
}

/** The real loader: onnxruntime-web WASM in this process. */
export const wasmLoader: ModelLoader = {
  async pair(draft, target, threads) {
    const options = { backend: 'wasm' as const, numThreads: threads };
    const sources = [resolveSourceText(draft, 'draft model'), resolveSourceText(target, 'target model')] as const;
    const pair = await loadModelPair(...sources, options);
    return { draft: pair.draft, target: pair.target, tokenizer: pair.tokenizer };
  },
  async single(source, role, threads) {
    return loadModel(resolveSourceText(source, `${role} model`), { backend: 'wasm', role, numThreads: threads });
  },
};
