/**
 * coi-sw.js: cross-origin isolation for static hosts that cannot send COOP/COEP headers (GitHub Pages).
 *
 * The page (src/ui/cross-origin-isolation.ts) registers this worker only when it is not cross-origin isolated, then
 * reloads once. From then on every same-origin GET goes through here and comes back with the headers the host
 * could not send, so the document, its scripts, the engine's Web Worker and onnxruntime's thread workers are
 * isolated and WASM gets SharedArrayBuffer (threads). It lives next to index.html, so its scope is the site's
 * sub-path and nothing else on the origin.
 *
 * It caches nothing and answers nothing itself: each response is the network's (or the HTTP cache's), with headers
 * added. Cross-origin requests (model downloads from the Hugging Face hub, which the loader makes as CORS fetches)
 * and non-GET requests are not intercepted at all, and the loader's Cache API use (caches.open/match/put from the
 * page's worker) never passes through a fetch event, so neither is affected.
 */

/**
 * COEP `require-corp`, not `credentialless`: it is what `public/_headers` and the dev server send, so the page runs
 * under one policy on every host; every browser with service workers and SharedArrayBuffer supports it (Safari has
 * no `credentialless`, and would then stay unisolated); and the page loads nothing cross-origin that needs the
 * laxer policy: its own assets are same-origin, and hub downloads are CORS fetches, which require-corp allows
 * without a Cross-Origin-Resource-Policy header (the hub and its CDN answer them with Access-Control-Allow-Origin).
 * CORP `same-origin` marks the site's own files as embeddable by itself only.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// Take over at once: the page waits for activation before its one reload, and has no older version to wait for.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Not calling respondWith leaves the request to the browser, exactly as without a service worker.
  if (request.method !== 'GET') return;
  if (new URL(request.url).origin !== self.location.origin) return;
  // fetch() throws on only-if-cached outside same-origin mode (DevTools sends such requests).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(withIsolationHeaders(request));
});

/** The network's response to `request`, with the isolation headers the host did not send added. */
async function withIsolationHeaders(request) {
  const response = await fetch(request);
  // Opaque responses and manual redirects (navigations) have no readable headers or status to copy: pass them on.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value); // a host's own policy wins
  }
  // Same status, body stream and other headers (Content-Length keeps the loader's progress bars exact).
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
