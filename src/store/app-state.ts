/**
 * The store's shape: one zustand store made of six slices (settings, models, datastore, run, traces, phase), plus
 * what the slices need from outside (the engine client, the page's base URL, a clock and a frame scheduler).
 */
import type { EngineClient } from '../worker/client';
import type { FrameScheduler } from './frame-batch';
import type { DatastoreSlice } from './datastore-slice';
import type { ModelsSlice } from './models-slice';
import type { PhaseSlice } from './phase-slice';
import type { RunSlice } from './run-slice';
import type { SettingsSlice } from './settings-slice';
import type { TracesSlice } from './traces-slice';

/** The whole store. */
export type AppState = SettingsSlice & ModelsSlice & DatastoreSlice & RunSlice & TracesSlice & PhaseSlice;

/** What the store's actions use. */
export interface StoreDeps {
  client: EngineClient;
  /** URL that bundled model folders (`./models/NAME`) resolve against: the page's base URL. */
  baseUrl: string;
  /** Clock for trace timestamps (tests pin it). */
  now?: () => Date;
  /** When batched updates (streamed steps) are applied: animation frames by default; tests inject their own. */
  frames?: FrameScheduler;
}
