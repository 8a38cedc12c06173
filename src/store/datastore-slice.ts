/**
 * Datastore slice: the corpus datastore `@corpus` strategies draft from. The engine holds the index; the page holds
 * what it is (label, tokens, build time, memory) and where a build stands. The target's shipped `datastore.bin`
 * arrives with the loaded pair (models slice); the user can build another from pasted text or a file, which replaces
 * it. A refused or failed build changes nothing else: the prompt, the settings, the runs and the datastore in use
 * stay.
 */
import type { StateCreator } from 'zustand';
import { parseStrategy, sourcesOf } from '../core/strategy';
import type { DatastoreStage, DatastoreSummary, LoadResult } from '../worker/protocol';
import type { AppState, StoreDeps } from './app-state';
import { fileInput, pastedInput, type DatastoreInput } from './datastore-input';
import { errorText } from './models-slice';

/** Where a build stands: reading the file, loading the models (whose tokenizer it needs), then the engine's stages. */
export type DatastoreBuildStage = 'read' | 'models' | DatastoreStage;

/** The datastore's status. */
export type DatastoreStatus =
  | { kind: 'none' }
  | { kind: 'building'; label: string; stage: DatastoreBuildStage; fraction: number }
  | { kind: 'ready'; datastore: DatastoreSummary }
  | { kind: 'error'; message: string };

/** A file the user picked (the part of the DOM's File the slice reads). */
export interface DatastoreFile {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** State and actions of the datastore slice. */
export interface DatastoreSlice {
  /** The datastore runs draft from (null: none); kept through a failed build. */
  datastore: DatastoreSummary | null;
  datastoreStatus: DatastoreStatus;
  /**
   * Builds a datastore from pasted text or a file (loading the models first when needed), replacing the one in use.
   * @returns true when built; false when the input was refused or the build failed (see `datastoreStatus`)
   */
  buildDatastore(input: string | DatastoreFile): Promise<boolean>;
  /** Clears a build error (back to the datastore in use, or none). */
  dismissDatastoreError(): void;
}

/** The status that shows a datastore in use, or none. */
export function statusOf(datastore: DatastoreSummary | null): DatastoreStatus {
  return datastore ? { kind: 'ready', datastore } : { kind: 'none' };
}

/** The datastore state after a pair loaded: the one the engine holds for it (the shipped one, or one built since). */
export function datastoreStateOf(result: LoadResult): Pick<DatastoreSlice, 'datastore' | 'datastoreStatus'> {
  return {
    datastore: result.datastore,
    datastoreStatus:
      !result.datastore && result.datastoreError
        ? { kind: 'error', message: `the target's datastore.bin could not be used: ${result.datastoreError}` }
        : statusOf(result.datastore),
  };
}

/** Whether a strategy text drafts from the corpus datastore (false for text that does not parse). */
export function needsCorpus(strategy: string): boolean {
  try {
    return sourcesOf(parseStrategy(strategy)).includes('corpus');
  } catch {
    return false;
  }
}

/**
 * Why these strategies cannot run now for want of a datastore, or null when they can. Before the models are loaded
 * nothing is known (the target may ship one, found when they load), so only a build in progress blocks then.
 */
export function datastoreBlocker(
  strategies: readonly string[],
  s: Pick<AppState, 'loaded' | 'datastore' | 'datastoreStatus'>,
): string | null {
  const corpus = strategies.find(needsCorpus);
  if (corpus === undefined) return null;
  if (s.datastoreStatus.kind === 'building') return `${corpus} waits for the corpus datastore being built`;
  if (s.loaded && !s.datastore) {
    return `${corpus} drafts from a corpus datastore, and there is none: build one from a text (Strategy panel)`;
  }
  return null;
}

/** Creates the datastore slice over an engine client. */
export const createDatastoreSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], DatastoreSlice> =>
  (set, get) => {
    const fail = (message: string): false => {
      set({ datastoreStatus: { kind: 'error', message } });
      return false;
    };
    const building = (label: string, stage: DatastoreBuildStage, fraction = 0): void =>
      set({ datastoreStatus: { kind: 'building', label, stage, fraction } });

    return {
      datastore: null,
      datastoreStatus: { kind: 'none' },

      buildDatastore: async (input) => {
        const s = get();
        if (s.datastoreStatus.kind === 'building') return false;
        const busy =
          ['loading', 'running', 'waiting'].includes(s.runStatus) ||
          ['loading', 'running'].includes(s.compareStatus) ||
          s.baselineRunning;
        if (busy) return fail('stop the run before building a datastore');
        let checked: DatastoreInput;
        if (typeof input === 'string') checked = pastedInput(input);
        else {
          building(input.name, 'read');
          try {
            checked = fileInput(input.name, new Uint8Array(await input.arrayBuffer()));
          } catch (e) {
            return fail(`${input.name} could not be read: ${errorText(e)}`);
          }
        }
        if (!checked.ok) return fail(checked.error);
        const { content, label } = checked;
        building(label, 'models');
        const loaded = await get().loadModels(); // the text is tokenized with the pair's tokenizer
        if (!loaded)
          return fail(`the models did not load, and the datastore needs their tokenizer: ${get().modelError}`);
        building(label, 'tokenize');
        const handle = deps.client.buildDatastore(content, label, (stage, fraction) =>
          building(label, stage, fraction),
        );
        try {
          const datastore = await handle.done;
          set({ datastore, datastoreStatus: { kind: 'ready', datastore } });
          return true;
        } catch (e) {
          return fail(`${label}: ${errorText(e)}`);
        }
      },

      dismissDatastoreError: () => {
        if (get().datastoreStatus.kind === 'error') set({ datastoreStatus: statusOf(get().datastore) });
      },
    };
  };
