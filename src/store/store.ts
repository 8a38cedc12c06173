/**
 * Creates the app store and gives React access to it. The store is created by the caller (main.tsx with a Worker
 * client, tests with an in-process client) and handed down through a context, so every test gets a fresh one.
 */
import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { AppState, StoreDeps } from './app-state';
import { createDatastoreSlice } from './datastore-slice';
import { createModelsSlice } from './models-slice';
import { createPhaseSlice } from './phase-slice';
import { createRunSlice } from './run-slice';
import { createSettingsSlice } from './settings-slice';
import { createTracesSlice } from './traces-slice';

/** The store object (vanilla zustand; usable outside React). */
export type AppStore = StoreApi<AppState>;

/** A new store from the six slices. */
export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createSettingsSlice(...a),
    ...createModelsSlice(deps)(...a),
    ...createDatastoreSlice(deps)(...a),
    ...createRunSlice(deps)(...a),
    ...createTracesSlice(deps)(...a),
    ...createPhaseSlice(deps)(...a),
  }));
}

/** Context holding the page's store. */
export const StoreContext = createContext<AppStore | null>(null);

/** The store from context (throws outside a provider: a wiring mistake, not a runtime condition). */
export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp needs a <StoreContext.Provider>');
  return store;
}

/** Selects a narrow piece of state; the component re-renders only when that piece changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore(), selector);
}
