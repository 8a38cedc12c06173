/**
 * Models slice: which pair is loaded, per-file download progress, the backend in use, and the last load error.
 * A failed load keeps the previous settings and prompt untouched: only this slice's status changes (and the
 * datastore slice's: a datastore belongs to the pair whose tokenizer made it, so it comes and goes with the pair).
 */
import type { StateCreator } from 'zustand';
import type { LoadProgress } from '../runtime/types';
import type { RequestHandle } from '../worker/client';
import type { LoadRequest, LoadResult } from '../worker/protocol';
import type { AppState, StoreDeps } from './app-state';
import { datastoreStateOf } from './datastore-slice';
import { BUNDLED_PRESET } from './presets';
import { selectedSources, type Settings } from './settings';

/** The last pair that loaded, as the header shows it (ids and backend). */
export interface LoadedPairLabel {
  draft: string;
  target: string;
  backend: LoadResult['backend'];
}

/** Where the model pair stands. */
export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error';

/** State and actions of the models slice. */
export interface ModelsSlice {
  modelStatus: ModelStatus;
  /** Download progress per file (`role/file`), in the order files started. */
  files: LoadProgress[];
  /** The loaded pair (ids, hashes, backend, vocabulary texts); kept while another pair loads. */
  loaded: LoadResult | null;
  /** Identifies what `loaded` was loaded from (sources + backend request). */
  loadedKey: string | null;
  /**
   * The last pair that loaded. Unlike `loaded` it survives a failed load of another pair (the engine released the
   * old pair when that load started), so the header keeps naming it rather than going blank.
   */
  lastPair: LoadedPairLabel | null;
  modelError: string | null;
  /**
   * Loads the pair the settings select, unless it is loaded already.
   * @returns the loaded pair, or null when loading failed or was cancelled (see `modelError`)
   */
  loadModels(): Promise<LoadResult | null>;
  cancelLoad(): void;
  /** Switches the settings to the bundled pair (which needs no network) and loads it: the way out of a failed load. */
  loadBundledPair(): Promise<LoadResult | null>;
}

/**
 * Whether to offer the bundled pair next to a load error: the load failed and the settings select another pair
 * (the bundled one ships with the page, so it loads where a hub download could not).
 */
export function offersBundledPair(s: Pick<AppState, 'modelStatus' | 'settings'>): boolean {
  if (s.modelStatus !== 'error') return false;
  const { draft, target } = selectedSources(s.settings);
  return draft !== BUNDLED_PRESET.draft || target !== BUNDLED_PRESET.target;
}

/** The load request the settings describe. */
export function loadRequestFor(settings: Settings, baseUrl: string): LoadRequest {
  const { draft, target } = selectedSources(settings);
  return { draft, target, backend: settings.backend, baseUrl };
}

/** A key that changes exactly when a different pair (or backend) must be loaded. */
export function loadKeyFor(req: LoadRequest): string {
  return JSON.stringify([req.draft, req.target, req.backend]);
}

/** Creates the models slice over an engine client. */
export const createModelsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], ModelsSlice> =>
  (set, get) => {
    let current: { key: string; handle: RequestHandle<LoadResult>; done: Promise<LoadResult | null> } | null = null;
    return {
      modelStatus: 'idle',
      files: [],
      loaded: null,
      loadedKey: null,
      lastPair: null,
      modelError: null,
      loadModels: () => {
        const req = loadRequestFor(get().settings, deps.baseUrl);
        const key = loadKeyFor(req);
        if (get().loadedKey === key && get().modelStatus === 'ready') return Promise.resolve(get().loaded);
        if (current?.key === key) return current.done;
        if (req.draft === '' || req.target === '') {
          set({ modelStatus: 'error', modelError: 'choose a draft and a target model' });
          return Promise.resolve(null);
        }
        current?.handle.stop();
        set((s) => ({
          modelStatus: 'loading',
          files: [],
          modelError: null,
          // A run that failed on the previous load no longer says anything once another load starts.
          ...(s.runStatus === 'error' && s.runError !== null && s.runError === s.modelError
            ? { runStatus: 'idle' as const, runError: null }
            : {}),
        }));
        const handle = deps.client.load(
          req,
          (progress) =>
            set((s) => {
              const i = s.files.findIndex((f) => f.role === progress.role && f.file === progress.file);
              const files = [...s.files];
              if (i < 0) files.push(progress);
              else files[i] = progress;
              return { files };
            }),
          (stage, fraction) =>
            set({ datastoreStatus: { kind: 'building', label: "the target's datastore.bin", stage, fraction } }),
        );
        const done = handle.done.then(
          (result) => {
            if (current?.handle === handle) current = null;
            set({
              modelStatus: 'ready',
              loaded: result,
              loadedKey: key,
              lastPair: { draft: result.draft.id, target: result.target.id, backend: result.backend },
              modelError: null,
              ...datastoreStateOf(result),
            });
            return result;
          },
          (e: unknown) => {
            if (current?.handle === handle) current = null;
            // The previous pair (if any) is gone from the engine once another load started, and its datastore too.
            set({
              modelStatus: 'error',
              loaded: null,
              loadedKey: null,
              modelError: errorText(e),
              datastore: null,
              datastoreStatus: { kind: 'none' },
            });
            return null;
          },
        );
        current = { key, handle, done };
        return done;
      },
      cancelLoad: () => current?.handle.stop(),
      loadBundledPair: () => {
        get().setSetting('preset', BUNDLED_PRESET.id);
        return get().loadModels();
      },
    };
  };

/** The message of an error, prefixed with its class name when that says something (e.g. VocabularyMismatchError). */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const kind = e.name && e.name !== 'Error' ? `${e.name}: ` : '';
    return `${kind}${e.message}`;
  }
  return String(e);
}
