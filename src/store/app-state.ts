/**
 * The store's shape: one zustand store made of five slices (settings, models, datastore, run, traces), plus what the
 * slices need from outside (the engine client and the page's base URL).
 */
import type { EngineClient } from '../worker/client';
import type { DatastoreSlice } from './datastore-slice';
import type { ModelsSlice } from './models-slice';
import type { RunSlice } from './run-slice';
import type { SettingsSlice } from './settings-slice';
import type { TracesSlice } from './traces-slice';

/** The whole store. */
export type AppState = SettingsSlice & ModelsSlice & DatastoreSlice & RunSlice & TracesSlice;

/** What the store's actions use. */
export interface StoreDeps {
  client: EngineClient;
  /** URL that bundled model folders (`./models/NAME`) resolve against: the page's base URL. */
  baseUrl: string;
  /** Clock for trace timestamps (tests pin it). */
  now?: () => Date;
}
