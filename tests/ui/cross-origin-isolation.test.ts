/**
 * The page's way to cross-origin isolation (src/ui/cross-origin-isolation.ts) over a fake window: when it registers
 * the service worker, that it reloads at most once per tab, and what the badge says for each outcome.
 */
import { describe, expect, it } from 'vitest';
import {
  ensureCrossOriginIsolation,
  RELOAD_FLAG,
  threadReason,
  type Isolation,
  type IsolationEnv,
} from '../../src/ui/cross-origin-isolation';

/** A service worker whose state moves through `states` (one per tick) after registration. */
function fakeWorker(states: ServiceWorkerState[]) {
  const listeners = new Set<() => void>();
  const worker = {
    state: states[0],
    addEventListener: (_: string, f: () => void) => listeners.add(f),
    removeEventListener: (_: string, f: () => void) => listeners.delete(f),
  };
  void (async () => {
    for (const state of states.slice(1)) {
      await new Promise((r) => setTimeout(r, 1));
      worker.state = state;
      for (const f of [...listeners]) f();
    }
  })();
  return worker;
}

/** A fake window; `register` defaults to a worker that installs then activates. */
function fakeEnv(over: Partial<IsolationEnv> & { register?: () => Promise<unknown> } = {}) {
  const storage = new Map<string, string>();
  const registered: string[] = [];
  let reloads = 0;
  const register =
    over.register ?? (async () => ({ installing: fakeWorker(['installing', 'installed', 'activating', 'activated']) }));
  const env: IsolationEnv = {
    crossOriginIsolated: false,
    isSecureContext: true,
    baseURI: 'https://user.github.io/repo/',
    serviceWorker: {
      controller: null,
      register: ((url: string) => (registered.push(url), register())) as unknown as ServiceWorkerContainer['register'],
    },
    sessionStorage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    },
    reload: () => void reloads++,
    ...over,
  };
  return { env, storage, registered, reloads: () => reloads };
}

describe('ensureCrossOriginIsolation', () => {
  it('registers coi-sw.js next to the page and reloads once, then stops', async () => {
    const fake = fakeEnv();
    expect(await ensureCrossOriginIsolation(fake.env)).toEqual({ reloading: true });
    expect(fake.registered).toEqual(['https://user.github.io/repo/coi-sw.js']);
    expect(fake.reloads()).toBe(1);
    expect(fake.storage.get(RELOAD_FLAG)).toBe('1');
    // Still not isolated after the reload: no second reload, and the page says why.
    expect(await ensureCrossOriginIsolation(fake.env)).toEqual({ isolated: false, why: 'headers-ignored' });
    expect(await ensureCrossOriginIsolation(fake.env)).toEqual({ isolated: false, why: 'headers-ignored' });
    expect(fake.reloads()).toBe(1);
  });

  it('does nothing when isolated, and forgets the reload so a later loss of isolation may retry once', async () => {
    const fake = fakeEnv({ crossOriginIsolated: true });
    fake.storage.set(RELOAD_FLAG, '1');
    expect(await ensureCrossOriginIsolation(fake.env)).toEqual({ isolated: true, by: 'headers' });
    expect(fake.registered).toEqual([]);
    expect(fake.storage.has(RELOAD_FLAG)).toBe(false);
    const controlled = fakeEnv({ crossOriginIsolated: true });
    controlled.env.serviceWorker = { ...controlled.env.serviceWorker!, controller: {} as ServiceWorker };
    expect(await ensureCrossOriginIsolation(controlled.env)).toEqual({ isolated: true, by: 'service-worker' });
  });

  it('gives up without reloading where no service worker can help', async () => {
    const cases: [Partial<IsolationEnv> & { register?: () => Promise<unknown> }, Isolation][] = [
      [{ isSecureContext: false }, { isolated: false, why: 'insecure-context' }],
      [{ serviceWorker: undefined }, { isolated: false, why: 'no-service-worker' }],
      [{ register: async () => undefined }, { isolated: false, why: 'no-service-worker' }], // blocked
      [
        { register: () => Promise.reject(new Error('404')) },
        { isolated: false, why: 'service-worker-failed', detail: '404' },
      ],
      [
        { register: async () => ({ installing: fakeWorker(['installing', 'redundant']) }) },
        { isolated: false, why: 'service-worker-failed', detail: 'coi-sw.js did not activate' },
      ],
      [
        { sessionStorage: undefined },
        { isolated: false, why: 'service-worker-failed', detail: 'sessionStorage is unavailable' },
      ],
    ];
    for (const [over, want] of cases) {
      const fake = fakeEnv(over);
      expect(await ensureCrossOriginIsolation(fake.env)).toEqual(want);
      expect(fake.reloads()).toBe(0);
    }
  });
});

describe('threadReason', () => {
  it('explains one thread on an unisolated page by the host, and several threads by who isolated the page', () => {
    for (const why of ['no-headers', 'no-service-worker', 'service-worker-failed', 'headers-ignored'] as const) {
      expect(threadReason({ isolated: false, why }, 1).short).toBe('the host does not allow cross-origin isolation');
    }
    expect(threadReason({ isolated: false, why: 'insecure-context' }, 1).short).toMatch(/not served over HTTPS/);
    expect(threadReason({ isolated: true, by: 'service-worker' }, 4)).toEqual({
      short: null,
      detail: expect.stringMatching(/^cross-origin isolated by the service worker coi-sw\.js .*threads available$/),
    });
    expect(threadReason({ isolated: true, by: 'headers' }, 1).short).toBe('the browser reports one CPU core');
  });
});
