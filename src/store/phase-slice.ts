/**
 * Phase slice: what the engine is busy with while a request shows nothing else yet (loading the pair, profiling a
 * model's latency, a comparison's warm-up), from the engine's `phase` events, for the page's status line.
 */
import type { StateCreator } from 'zustand';
import type { EnginePhase } from '../worker/protocol';
import type { AppState, StoreDeps } from './app-state';

/** State of the phase slice. */
export interface PhaseSlice {
  /** The phase of request `id`; null when no request has one. */
  enginePhase: { id: number; phase: EnginePhase } | null;
}

/** Creates the phase slice, listening to every request's phase on the engine client. */
export const createPhaseSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], PhaseSlice> =>
  (set) => {
    deps.client.onPhase((phase, id) =>
      // A request that ends clears its own phase only, not one a later request has set meanwhile.
      set((s) => (phase ? { enginePhase: { id, phase } } : s.enginePhase?.id === id ? { enginePhase: null } : {})),
    );
    return { enginePhase: null };
  };
