/**
 * Page entry: cross-origin isolation first (on hosts that cannot send COOP/COEP this registers a service worker
 * and reloads once), then the engine in a Web Worker, one store over it, settings mirrored in the URL hash, and the
 * App.
 */
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/store';
import { bindUrlHash } from './store/url-sync';
import { App } from './ui/App';
import './ui/app.css';
import { ensureCrossOriginIsolation, type IsolationResult } from './ui/cross-origin-isolation';
import { createWorkerClient } from './worker/worker-client';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// Whatever goes wrong on the way to isolation, the page still starts (on one thread, saying why).
const failed = (e: unknown): IsolationResult => ({ isolated: false, why: 'service-worker-failed', detail: String(e) });
// Isolated pages (the usual case once the service worker runs) resolve at once; the engine's worker starts only
// after, so the thread count it reads from `crossOriginIsolated` is the final one.
void ensureCrossOriginIsolation()
  .catch(failed)
  .then((isolation) => {
    if ('reloading' in isolation) return; // the page is about to reload with the service worker's headers
    // The page's base URL (works under any sub-path): bundled model folders `./models/NAME` resolve against it.
    const store = createAppStore({ client: createWorkerClient(), baseUrl: document.baseURI });
    bindUrlHash(store, window);
    createRoot(root).render(<App store={store} isolation={isolation} />);
  });
