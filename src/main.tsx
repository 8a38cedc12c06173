/**
 * Page entry: the engine in a Web Worker, one store over it, settings mirrored in the URL hash, and the App.
 */
import { transition } from 'd3';
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/store';
import { bindUrlHash } from './store/url-sync';
import { App } from './ui/App';
import './ui/app.css';
import { createWorkerClient } from './worker/worker-client';

// d3's package is marked side-effect free, so a bundle that only imports `select` drops d3-transition, the module
// that adds `selection.transition()` (the tree view animates with it). Importing it here keeps it in the bundle.
if (typeof transition !== 'function') throw new Error('d3-transition is missing from the bundle');

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// The page's base URL (works under any sub-path): bundled model folders `./models/NAME` resolve against it.
const store = createAppStore({ client: createWorkerClient(), baseUrl: document.baseURI });
bindUrlHash(store, window);
createRoot(root).render(<App store={store} />);
