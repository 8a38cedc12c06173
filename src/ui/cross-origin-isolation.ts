/**
 * Cross-origin isolation for the page, and the one place that says why WASM runs on one thread or several.
 *
 * onnxruntime-web's WASM threads need SharedArrayBuffer, which browsers hand out only to cross-origin isolated
 * pages (COOP `same-origin` + COEP `require-corp`). Hosts that read `public/_headers` (Netlify, Cloudflare Pages) or
 * the dev server send those headers; GitHub Pages cannot. There `ensureCrossOriginIsolation` registers
 * `coi-sw.js` (public/), a service worker that adds the headers to the site's own responses, and reloads the page
 * once so the document itself arrives with them. A sessionStorage flag makes that reload happen at most once per
 * tab: when the page is still not isolated afterwards, it stays on one thread and the badge says why.
 */

/** Why the page is, or is not, cross-origin isolated. */
export type Isolation =
  | { isolated: true; by: 'headers' | 'service-worker' }
  | {
      isolated: false;
      /**
       * - `no-headers`: the host sends no COOP/COEP and nothing tried to add them (no registration was attempted);
       * - `insecure-context`: not HTTPS or localhost, where neither isolation nor service workers exist;
       * - `no-service-worker`: this browser has no service workers, or they are blocked;
       * - `service-worker-failed`: registering or starting `coi-sw.js` failed (`detail` says how);
       * - `headers-ignored`: the service worker ran and the page reloaded once, yet it is still not isolated.
       */
      why: 'no-headers' | 'insecure-context' | 'no-service-worker' | 'service-worker-failed' | 'headers-ignored';
      detail?: string;
    };

/** What {@link ensureCrossOriginIsolation} found: the isolation, or that the page is reloading to get it. */
export type IsolationResult = Isolation | { reloading: true };

/** The service worker script, next to index.html in the built site (Vite copies public/ as is). */
export const SERVICE_WORKER_FILE = 'coi-sw.js';
/** sessionStorage key set just before the one reload; cleared once the page is isolated. */
export const RELOAD_FLAG = 'specdec-coi-reloaded';
/** How long to wait for the service worker to activate before giving up on it (it has nothing to download). */
const ACTIVATE_TIMEOUT_MS = 10_000;

/** The parts of `window` the registration reads (so tests can pass fakes). */
export interface IsolationEnv {
  crossOriginIsolated?: boolean;
  isSecureContext?: boolean;
  /** `document.baseURI`: the service worker is registered next to the page, so it is scoped to the site's sub-path. */
  baseURI: string;
  serviceWorker?: Pick<ServiceWorkerContainer, 'register' | 'controller'>;
  sessionStorage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  reload(): void;
}

/** The browser's own environment. */
export function browserIsolationEnv(): IsolationEnv {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    isSecureContext: globalThis.isSecureContext,
    baseURI: document.baseURI,
    serviceWorker: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    sessionStorage: storageOrUndefined(),
    reload: () => location.reload(),
  };
}

/** sessionStorage, or undefined where reading it throws (storage disabled). */
function storageOrUndefined(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * Isolation as observed, without registering anything (the default for renders that did not ask, e.g. tests).
 * Isolated while a service worker controls the page counts as the worker's doing: it adds the headers whether or
 * not the host also sends them.
 */
export function observedIsolation(
  env: { crossOriginIsolated?: boolean; controlled?: boolean } = {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    controlled: typeof navigator !== 'undefined' && !!navigator.serviceWorker?.controller,
  },
): Isolation {
  if (env.crossOriginIsolated) return { isolated: true, by: env.controlled ? 'service-worker' : 'headers' };
  return { isolated: false, why: 'no-headers' };
}

/**
 * Makes the page cross-origin isolated where the host cannot: when it is not, registers `coi-sw.js` and reloads
 * once (`{ reloading: true }`; the caller should not start the app). Never reloads twice in a tab, so a browser
 * that ignores the worker's headers gets a working single-threaded page instead of a reload loop.
 */
export async function ensureCrossOriginIsolation(env: IsolationEnv = browserIsolationEnv()): Promise<IsolationResult> {
  const storage = env.sessionStorage;
  if (env.crossOriginIsolated) {
    // Isolated: forget the reload, so that losing isolation later in this tab (the worker unregistered, a hard
    // reload that bypasses it) may try once more.
    storage?.removeItem(RELOAD_FLAG);
    return observedIsolation({ crossOriginIsolated: true, controlled: !!env.serviceWorker?.controller });
  }
  if (env.isSecureContext === false) return { isolated: false, why: 'insecure-context' };
  if (!env.serviceWorker) return { isolated: false, why: 'no-service-worker' };
  if (storage?.getItem(RELOAD_FLAG)) return { isolated: false, why: 'headers-ignored' };
  // Without sessionStorage the reload could not be counted, so it would risk a loop: do not try.
  if (!storage) return { isolated: false, why: 'service-worker-failed', detail: 'sessionStorage is unavailable' };

  let registration: ServiceWorkerRegistration | undefined;
  try {
    registration = await env.serviceWorker.register(new URL(SERVICE_WORKER_FILE, env.baseURI).href);
  } catch (e) {
    return { isolated: false, why: 'service-worker-failed', detail: e instanceof Error ? e.message : String(e) };
  }
  // A blocked registration (e.g. playwright's `serviceWorkers: 'block'`) resolves with nothing.
  if (!registration) return { isolated: false, why: 'no-service-worker' };
  if (!(await activated(registration, ACTIVATE_TIMEOUT_MS))) {
    return { isolated: false, why: 'service-worker-failed', detail: `${SERVICE_WORKER_FILE} did not activate` };
  }
  storage.setItem(RELOAD_FLAG, '1');
  env.reload();
  return { reloading: true };
}

/** Resolves true once the registration's worker is active, false when it becomes redundant or the wait times out. */
function activated(registration: ServiceWorkerRegistration, timeoutMs: number): Promise<boolean> {
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (!worker) return Promise.resolve(false);
  if (worker.state === 'activated') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      worker.removeEventListener('statechange', onChange);
      resolve(ok);
    };
    const onChange = (): void => {
      if (worker.state === 'activated') done(true);
      else if (worker.state === 'redundant') done(false);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    worker.addEventListener('statechange', onChange);
  });
}

/** The host's part of every not-isolated explanation (the page runs on one thread because of it). */
const HOST_REFUSES = 'the host does not allow cross-origin isolation';

/**
 * Why WASM runs on `threads` threads here: `short` goes on the badge after the thread count when it is one
 * (null when several threads need no explanation), `detail` in its tooltip.
 * @param threads the WASM threads in effect, or null before a model is loaded
 */
export function threadReason(isolation: Isolation, threads: number | null): { short: string | null; detail: string } {
  if (isolation.isolated) {
    const by =
      isolation.by === 'service-worker'
        ? `cross-origin isolated by the service worker ${SERVICE_WORKER_FILE} (the host sends no COOP/COEP headers)`
        : "cross-origin isolated by the host's COOP/COEP headers";
    if (threads === 1) return { short: 'the browser reports one CPU core', detail: `${by}; one CPU core` };
    return { short: null, detail: `${by}: WASM threads available` };
  }
  switch (isolation.why) {
    case 'insecure-context':
      return {
        short: 'the page is not served over HTTPS',
        detail: 'not a secure context (HTTPS or localhost), so the page cannot be cross-origin isolated',
      };
    case 'no-headers':
      return { short: HOST_REFUSES, detail: `${HOST_REFUSES}: it sends no COOP/COEP headers` };
    case 'no-service-worker':
      return {
        short: HOST_REFUSES,
        detail: `${HOST_REFUSES}: it sends no COOP/COEP headers, and service workers (which would add them) are unavailable or blocked in this browser`,
      };
    case 'service-worker-failed':
      return {
        short: HOST_REFUSES,
        detail: `${HOST_REFUSES}: it sends no COOP/COEP headers, and the service worker that adds them failed (${isolation.detail ?? 'unknown error'})`,
      };
    case 'headers-ignored':
      return {
        short: HOST_REFUSES,
        detail: `${HOST_REFUSES}: it sends no COOP/COEP headers, and the page was still not isolated after the service worker added them and the page reloaded once`,
      };
  }
}
