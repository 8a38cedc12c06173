/**
 * Page entry: the engine in a Web Worker, one store over it, settings mirrored in the URL hash, and the App.
 */
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/store';
import { bindUrlHash } from './store/url-sync';
import { App } from './ui/App';
import './ui/app.css';
import { createWorkerClient } from './worker/worker-client';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// The page's base URL (works under any sub-path): bundled model folders `./models/NAME` resolve against it.
const store = createAppStore({ client: createWorkerClient(), baseUrl: document.baseURI });
bindUrlHash(store, window);
createRoot(root).render(<App store={store} />);
