/**
 * Keeps the URL hash and the settings in step: the hash is read at start and on `hashchange` (a pasted link), and
 * rewritten (replaceState, no history entry per keystroke) whenever the settings change.
 */
import type { AppStore } from './store';
import { encodeSettingsHash } from './url-hash';

/** The parts of `window` the sync uses (so tests can pass a fake). */
export interface HashHost {
  location: { hash: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
}

/**
 * Starts syncing; returns a function that stops it.
 * @param host usually `window`
 */
export function bindUrlHash(store: AppStore, host: HashHost): () => void {
  let written = host.location.hash;
  store.getState().applyHash(host.location.hash);
  const write = (): void => {
    const hash = encodeSettingsHash(store.getState().settings);
    if (hash !== written && hash !== host.location.hash) {
      written = hash;
      host.history.replaceState(null, '', hash);
    }
  };
  write();
  const unsubscribe = store.subscribe((state, prev) => {
    if (state.settings !== prev.settings) write();
  });
  const onHashChange = (): void => {
    if (host.location.hash === written) return;
    written = host.location.hash;
    store.getState().applyHash(host.location.hash);
  };
  host.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    host.removeEventListener('hashchange', onHashChange);
  };
}
