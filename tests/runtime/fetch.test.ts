import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, FileNotFoundError } from '../../src/runtime/errors';
import type { CacheStorageLike, FileProgress } from '../../src/runtime/fetch';
import { createFileFetcher, MODEL_CACHE_NAME, readJson } from '../../src/runtime/fetch';
import type { ModelSource } from '../../src/runtime/types';
import type { FixtureModel } from '../helpers/fixture-model';
import { writeFixtureModel } from '../helpers/fixture-model';
import type { StaticServer } from '../helpers/static-server';
import { startStaticServer } from '../helpers/static-server';

let fixture: FixtureModel;
let server: StaticServer;
let hub: ModelSource;
const REPO = 'test-org/tiny';

beforeAll(async () => {
  fixture = await writeFixtureModel();
  server = await startStaticServer({ [REPO]: fixture.dir });
  hub = { kind: 'hub', id: REPO, revision: 'main', endpoint: server.endpoint };
});
afterAll(() => server.close());

const fast = { retryDelayMs: 1, cache: false };
const statuses = (file: string) => server.requests.filter((r) => r.file === file).map((r) => r.status);

/** A Cache API stand-in over a Map. */
function memoryCaches(): CacheStorageLike & { store: Map<string, Map<string, ArrayBuffer>> } {
  const store = new Map<string, Map<string, ArrayBuffer>>();
  return {
    store,
    async open(name) {
      const cache = store.get(name) ?? new Map<string, ArrayBuffer>();
      store.set(name, cache);
      return {
        match: async (key) => (cache.has(key) ? new Response(cache.get(key)) : undefined),
        put: async (key, response) => void cache.set(key, await response.arrayBuffer()),
      };
    },
  };
}

describe('hub and URL fetching', () => {
  it('downloads from the hub layout with progress up to the file size', async () => {
    const events: FileProgress[] = [];
    const fetcher = createFileFetcher(hub, fast);
    const bytes = await fetcher.read('model.safetensors', { onProgress: (p) => events.push(p) });
    const size = fixture.files.get('model.safetensors')!.byteLength;
    expect(bytes).toEqual(fixture.files.get('model.safetensors'));
    expect(fetcher.locate('model.safetensors')).toBe(`${server.endpoint}/${REPO}/resolve/main/model.safetensors`);
    expect(events[0]).toEqual({ file: 'model.safetensors', loaded: 0, total: size, fromCache: false });
    expect(events.at(-1)).toEqual({ file: 'model.safetensors', loaded: size, total: size, fromCache: false });
    expect(events.every((e, i) => i === 0 || e.loaded >= events[i - 1].loaded)).toBe(true);
  });

  it('reads a plain folder URL', async () => {
    const fetcher = createFileFetcher({ kind: 'url', url: server.folderUrl(REPO) }, fast);
    expect(await readJson(fetcher, 'config.json')).toMatchObject({ model_type: 'llama' });
  });

  it('retries once after a 500', async () => {
    server.inject({ file: 'tokenizer.json', kind: 'status', status: 500 });
    const bytes = await createFileFetcher(hub, fast).read('tokenizer.json');
    expect(bytes.byteLength).toBe(fixture.files.get('tokenizer.json')!.byteLength);
    expect(statuses('tokenizer.json').slice(-2)).toEqual([500, 200]);
  });

  it('names the file and the status after a second 5xx', async () => {
    server.inject({ file: 'config.json', kind: 'status', status: 503, times: 2 });
    const read = createFileFetcher(hub, fast).read('config.json');
    await expect(read).rejects.toThrow(FetchError);
    await expect(read).rejects.toThrow(/download of config\.json failed after a retry: HTTP 503/);
  });

  it('reports a 404 as file not found, naming the file and the URL; optional reads give null', async () => {
    const fetcher = createFileFetcher(hub, fast);
    const url = `${server.endpoint}/${REPO}/resolve/main/missing.json`;
    await expect(fetcher.read('missing.json')).rejects.toThrow(new FileNotFoundError('missing.json', url));
    await expect(fetcher.read('missing.json')).rejects.toThrow(`file not found: missing.json (${url})`);
    expect(await fetcher.readOptional('missing.json')).toBeNull();
    server.inject({ file: 'config.json', kind: 'status', status: 404 });
    await expect(fetcher.read('config.json')).rejects.toThrow(/file not found: config\.json/);
  });

  it('explains a 401 (private, gated or missing repo)', async () => {
    server.inject({ file: 'config.json', kind: 'status', status: 401 });
    await expect(createFileFetcher(hub, fast).read('config.json')).rejects.toThrow(/HTTP 401 for config\.json .*gated/);
  });

  it('retries a connection dropped mid-body, then names the file when it drops again', async () => {
    server.inject({ file: 'model.safetensors', kind: 'drop' });
    const ok = await createFileFetcher(hub, fast).read('model.safetensors');
    expect(ok).toEqual(fixture.files.get('model.safetensors'));
    expect(statuses('model.safetensors').slice(-2)).toEqual(['dropped', 200]);

    server.inject({ file: 'model.safetensors', kind: 'drop', times: 2 });
    await expect(createFileFetcher(hub, fast).read('model.safetensors')).rejects.toThrow(
      /download of model\.safetensors failed after a retry: connection failed mid-download/,
    );
  });

  it('names the file on a network failure (nothing listening)', async () => {
    const dead = await startStaticServer({});
    await dead.close();
    const source: ModelSource = { kind: 'hub', id: REPO, revision: 'main', endpoint: dead.endpoint };
    const read = createFileFetcher(source, fast).read('config.json');
    await expect(read).rejects.toThrow(/download of config\.json failed after a retry: network error/);
    await expect(read).rejects.toMatchObject({ status: null, file: 'config.json' });
  });

  it('stops on abort without retrying', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await expect(createFileFetcher(hub, fast).read('config.json', { signal: controller.signal })).rejects.toThrow(
      'user cancelled',
    );
  });
});

describe('caching', () => {
  it('serves a second read from the Cache API with fromCache', async () => {
    const caches = memoryCaches();
    const fetcher = createFileFetcher(hub, { retryDelayMs: 1, cacheStorage: caches });
    await fetcher.read('config.json');
    const before = server.requests.length;
    const events: FileProgress[] = [];
    const again = await createFileFetcher(hub, { cacheStorage: caches }).read('config.json', {
      onProgress: (p) => events.push(p),
    });
    expect(server.requests.length).toBe(before);
    expect(again).toEqual(fixture.files.get('config.json'));
    expect(events).toEqual([
      { file: 'config.json', loaded: again.byteLength, total: again.byteLength, fromCache: true },
    ]);
    expect([...caches.store.keys()]).toEqual([MODEL_CACHE_NAME]);
  });

  it('does not cache URL sources unless asked', async () => {
    const caches = memoryCaches();
    await createFileFetcher({ kind: 'url', url: server.folderUrl(REPO) }, { cacheStorage: caches }).read('config.json');
    expect(caches.store.size).toBe(0);
  });

  it('keeps downloads in a Node cache folder when given one', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'specdec-cache-'));
    await createFileFetcher(hub, { ...fast, cacheDir }).read('tokenizer_config.json');
    const before = server.requests.length;
    const events: FileProgress[] = [];
    const bytes = await createFileFetcher(hub, { ...fast, cacheDir }).read('tokenizer_config.json', {
      onProgress: (p) => events.push(p),
    });
    expect(server.requests.length).toBe(before);
    expect(bytes).toEqual(fixture.files.get('tokenizer_config.json'));
    expect(events.at(-1)?.fromCache).toBe(true);
  });
});

describe('local paths', () => {
  it('reads files with progress and reports missing ones', async () => {
    const fetcher = createFileFetcher({ kind: 'path', path: `${fixture.dir}/` });
    const events: FileProgress[] = [];
    const bytes = await fetcher.read('model.safetensors', { onProgress: (p) => events.push(p) });
    expect(bytes).toEqual(fixture.files.get('model.safetensors'));
    expect(events.at(-1)).toEqual({
      file: 'model.safetensors',
      loaded: bytes.byteLength,
      total: bytes.byteLength,
      fromCache: false,
    });
    expect(await fetcher.readOptional('nope.json')).toBeNull();
    await expect(fetcher.read('nope.json')).rejects.toThrow(`file not found: nope.json (${fixture.dir}/nope.json)`);
  });
});
