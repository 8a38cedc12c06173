/**
 * Reading the files of a model folder from a {@link ModelSource}: a local folder (Node only), a folder URL, or the
 * Hugging Face hub (`${endpoint}/${id}/resolve/${revision}/${file}`).
 *
 * Downloads stream with progress events, retry once on a network failure or an HTTP 5xx, and go through the
 * browser's Cache API when there is one, so a second visit does not download the weights again. Missing files come
 * back as a clear {@link FileNotFoundError}, or as null from {@link FileFetcher.readOptional} for files a model
 * folder may lack (tokenizer_config.json, generation_config.json, the sharded index).
 */
import { FetchError, FileNotFoundError, ModelLoadError } from './errors';
import { asFolderUrl, isNodeRuntime } from './source';
import type { ModelSource } from './types';
// Types only: erased at build time, so the browser bundle does not see node:fs.
import type * as NodeFsPromises from 'node:fs/promises';

/** Name of the Cache API cache that holds downloaded model files. Bump the suffix if the stored format changes. */
export const MODEL_CACHE_NAME = 'specdec-models-v1';

/** Progress of one file: `total` is null when the server sends no usable Content-Length. */
export interface FileProgress {
  file: string;
  loaded: number;
  total: number | null;
  fromCache: boolean;
}

/** Per-read options. */
export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: FileProgress) => void;
}

/** Reads files of one model folder. */
export interface FileFetcher {
  readonly source: ModelSource;
  /** The URL or path a file is read from (for messages). */
  locate(file: string): string;
  /** The file's bytes. @throws FileNotFoundError when absent, FetchError when the download fails twice */
  read(file: string, options?: ReadOptions): Promise<Uint8Array>;
  /** The file's bytes, or null when the file is absent (HTTP 404 or no such local file). */
  readOptional(file: string, options?: ReadOptions): Promise<Uint8Array | null>;
}

/** The part of the Cache API the fetcher uses (so tests can pass a fake one). */
export interface CacheStorageLike {
  open(name: string): Promise<{
    match(key: string): Promise<Response | undefined>;
    put(key: string, response: Response): Promise<void>;
  }>;
}

/** Options of {@link createFileFetcher}. */
export interface FetcherOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /**
   * Use the Cache API. Default: on for hub sources, off for URL sources (a folder the page serves is usually a
   * bundled or development model that can change under the same URL). Ignored for local paths. Files are keyed by
   * URL, so a moving hub revision such as `main` keeps serving the cached files until {@link clearModelCache}.
   */
  cache?: boolean;
  /** The Cache API to use (default: `globalThis.caches` when defined; Node has none). */
  cacheStorage?: CacheStorageLike | null;
  /** Node only: a folder where hub/URL downloads are kept, laid out as `host/path` (default: no disk cache). */
  cacheDir?: string | null;
  /** Extra request headers, e.g. `Authorization: Bearer hf_...` for gated hub models. */
  headers?: Record<string, string>;
  /** Wait before the one retry, in ms (default 300). */
  retryDelayMs?: number;
}

/** Creates a fetcher for a model source. */
export function createFileFetcher(source: ModelSource, options: FetcherOptions = {}): FileFetcher {
  if (source.kind === 'path') return new PathFetcher(source);
  return new HttpFetcher(source, options);
}

/** Reads a file and parses it as JSON, naming the file when it is not JSON. */
export async function readJson(fetcher: FileFetcher, file: string, options?: ReadOptions): Promise<unknown> {
  return parseJsonBytes(await fetcher.read(file, options), file);
}

/** Like {@link readJson}, but null when the file is absent. */
export async function readOptionalJson(fetcher: FileFetcher, file: string, options?: ReadOptions): Promise<unknown> {
  const bytes = await fetcher.readOptional(file, options);
  return bytes === null ? null : parseJsonBytes(bytes, file);
}

/** Parses UTF-8 JSON bytes, naming the file when they are not JSON. */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelLoadError(`${file}: not valid JSON (${(err as Error).message})`, file, { cause: err });
  }
}

/** Deletes the Cache API cache of model files; false when there is none or no Cache API. */
export async function clearModelCache(cacheStorage?: { delete(name: string): Promise<boolean> }): Promise<boolean> {
  const storage = cacheStorage ?? (typeof caches === 'undefined' ? undefined : caches);
  return storage ? storage.delete(MODEL_CACHE_NAME) : false;
}

// Imported through a variable so bundlers never pull node:fs into the browser build (the path branch is Node-only).
const NODE_FS = 'node:fs/promises';
type NodeFs = typeof NodeFsPromises;
const importFs = (): Promise<NodeFs> => import(/* @vite-ignore */ NODE_FS) as Promise<NodeFs>;

/** How many bytes one local read or one progress step covers. */
const PATH_CHUNK = 16 << 20;

class PathFetcher implements FileFetcher {
  constructor(readonly source: Extract<ModelSource, { kind: 'path' }>) {}

  locate(file: string): string {
    return `${this.source.path.replace(/[\\/]+$/, '')}/${file}`;
  }

  async read(file: string, options?: ReadOptions): Promise<Uint8Array> {
    const bytes = await this.readOptional(file, options);
    if (bytes === null) throw new FileNotFoundError(file, this.locate(file));
    return bytes;
  }

  async readOptional(file: string, options: ReadOptions = {}): Promise<Uint8Array | null> {
    if (!isNodeRuntime()) {
      throw new ModelLoadError(`local paths can only be read in Node; serve the folder and use its URL`, file);
    }
    const fs = await importFs();
    let handle: Awaited<ReturnType<NodeFs['open']>>;
    try {
      handle = await fs.open(this.locate(file), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new FetchError(file, this.locate(file), null, `cannot read ${this.locate(file)}: ${String(err)}`);
    }
    try {
      const { size } = await handle.stat();
      const out = new Uint8Array(size);
      options.onProgress?.({ file, loaded: 0, total: size, fromCache: false });
      // Chunked reads rather than readFile: progress for big weights, and a chance to honour an abort.
      for (let offset = 0; offset < size;) {
        options.signal?.throwIfAborted();
        const { bytesRead } = await handle.read(out, offset, Math.min(PATH_CHUNK, size - offset), offset);
        if (bytesRead === 0) throw new FetchError(file, this.locate(file), null, `${file} shrank while being read`);
        offset += bytesRead;
        options.onProgress?.({ file, loaded: offset, total: size, fromCache: false });
      }
      return out;
    } finally {
      await handle.close();
    }
  }
}

/** Emit a progress event at most every this many bytes (or 0.5 % of the file), plus the first and the last. */
const PROGRESS_STEP = 256 << 10;

class HttpFetcher implements FileFetcher {
  private readonly fetchImpl: typeof fetch;
  private readonly cacheStorage: CacheStorageLike | null;
  private readonly folder: string;

  constructor(
    readonly source: Exclude<ModelSource, { kind: 'path' }>,
    private readonly options: FetcherOptions,
  ) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    const useCache = options.cache ?? source.kind === 'hub';
    const globalCaches = typeof caches === 'undefined' ? null : (caches as CacheStorageLike);
    this.cacheStorage = useCache ? (options.cacheStorage === undefined ? globalCaches : options.cacheStorage) : null;
    this.folder =
      source.kind === 'hub'
        ? `${source.endpoint.replace(/\/+$/, '')}/${source.id}/resolve/${encodeURIComponent(source.revision)}/`
        : asFolderUrl(source.url);
  }

  locate(file: string): string {
    // A relative folder URL ('/models/x/') is fine for fetch in a page; `new URL` needs a base, so join by hand then.
    return /^[a-z]+:\/\//i.test(this.folder) ? new URL(file, this.folder).href : `${this.folder}${file}`;
  }

  async read(file: string, options?: ReadOptions): Promise<Uint8Array> {
    const bytes = await this.readOptional(file, options);
    if (bytes === null) throw new FileNotFoundError(file, this.locate(file));
    return bytes;
  }

  async readOptional(file: string, options: ReadOptions = {}): Promise<Uint8Array | null> {
    const url = this.locate(file);
    const cached = await this.fromCache(url, file, options);
    if (cached) return cached;
    const bytes = await this.download(url, file, options);
    if (bytes) await this.toCache(url, bytes);
    return bytes;
  }

  private async fromCache(url: string, file: string, options: ReadOptions): Promise<Uint8Array | null> {
    let bytes: Uint8Array | null = null;
    if (this.cacheStorage) {
      // open() itself can reject (private browsing, storage disabled): then there is simply no cache.
      const hit = await this.cacheStorage
        .open(MODEL_CACHE_NAME)
        .then((cache) => cache.match(url))
        .catch(() => undefined);
      if (hit) bytes = new Uint8Array(await hit.arrayBuffer());
    } else if (this.options.cacheDir && isNodeRuntime()) {
      const buf = await (await importFs()).readFile(this.diskPath(url)).catch(() => null);
      // A plain Uint8Array view, not a Buffer, so every source hands back the same type.
      bytes = buf && new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    if (bytes) options.onProgress?.({ file, loaded: bytes.byteLength, total: bytes.byteLength, fromCache: true });
    return bytes;
  }

  private async toCache(url: string, bytes: Uint8Array): Promise<void> {
    // A full cache (quota) or a read-only disk must not fail the load: the bytes are already here.
    try {
      if (this.cacheStorage) {
        const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) };
        await (await this.cacheStorage.open(MODEL_CACHE_NAME)).put(url, new Response(bytes as BodyInit, { headers }));
      } else if (this.options.cacheDir && isNodeRuntime()) {
        const fs = await importFs();
        const target = this.diskPath(url);
        await fs.mkdir(target.slice(0, target.lastIndexOf('/')), { recursive: true });
        const temp = `${target}.${Date.now()}.part`;
        await fs.writeFile(temp, bytes);
        await fs.rename(temp, target); // atomic: a half-written file never looks like a cached one
      }
    } catch {
      /* caching is best effort */
    }
  }

  private diskPath(url: string): string {
    const { host, pathname } = new URL(url);
    const parts = [host, ...pathname.split('/')].filter((p) => p && p !== '.' && p !== '..');
    return [this.options.cacheDir!.replace(/[\\/]+$/, ''), ...parts.map((p) => p.replace(/[^\w.@-]/g, '_'))].join('/');
  }

  /** GET with one retry on a network failure or a 5xx; null on 404. */
  private async download(url: string, file: string, options: ReadOptions): Promise<Uint8Array | null> {
    // What went wrong on the last attempt, said about the server first: "could not be reached" is what a user acts on.
    let lead = '';
    let failure = '';
    let status: number | null = null;
    let cause: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await sleep(this.options.retryDelayMs ?? 300, options.signal);
      let response: Response;
      try {
        response = await this.fetchImpl(url, { signal: options.signal, headers: this.options.headers });
      } catch (err) {
        options.signal?.throwIfAborted();
        [failure, status, cause] = [`network error (${describeError(err)})`, null, err];
        lead = `${serverName(this.source, url)} could not be reached`;
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        return null;
      }
      if (response.status >= 500) {
        await response.body?.cancel().catch(() => undefined);
        [failure, status, cause] = [`HTTP ${response.status} ${response.statusText}`.trim(), response.status, null];
        lead = `${serverName(this.source, url)} answered with a server error`;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        const hint =
          response.status === 401 || response.status === 403
            ? ': the repository may not exist, or be private or gated (an access token is needed)'
            : '';
        throw new FetchError(file, url, response.status, `HTTP ${response.status} for ${file} (${url})${hint}`);
      }
      try {
        return await readBody(response, file, options);
      } catch (err) {
        options.signal?.throwIfAborted();
        [failure, status, cause] = [`connection failed mid-download (${describeError(err)})`, null, err];
        lead = `the connection to ${serverName(this.source, url)} dropped`;
      }
    }
    const message = `${lead}: download of ${file} failed after a retry: ${failure} (${url})`;
    throw new FetchError(file, url, status, message, { cause });
  }
}

/** The public hub's host, named as users know it. */
const HUB_HOST = 'huggingface.co';

/**
 * Who serves a source, for messages: "the Hugging Face hub (huggingface.co)", "the hub mirror at HOST", "the host
 * HOST", or "the page's server" for a relative folder URL.
 */
export function serverName(source: Exclude<ModelSource, { kind: 'path' }>, url: string): string {
  let host: string;
  try {
    host = new URL(source.kind === 'hub' ? source.endpoint : url).host;
  } catch {
    return "the page's server";
  }
  if (source.kind === 'url') return `the host ${host}`;
  return host === HUB_HOST ? `the Hugging Face hub (${HUB_HOST})` : `the hub mirror at ${host}`;
}

function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const detail = e?.cause?.code ?? e?.cause?.message;
  return detail ? `${e.message}: ${detail}` : String(e?.message ?? err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads a response body in chunks with progress; throws when it ends short of its Content-Length. */
async function readBody(response: Response, file: string, options: ReadOptions): Promise<Uint8Array> {
  // With a Content-Encoding the length is of the compressed body, while we count decoded bytes: treat it as unknown.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const lengthHeader = response.headers.get('content-length');
  const total = !encoded && lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const report = (loaded: number): void => options.onProgress?.({ file, loaded, total, fromCache: false });
  report(0);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report(bytes.byteLength);
    return bytes;
  }
  const step = Math.max(PROGRESS_STEP, Math.floor((total ?? 0) / 200));
  let out = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let reported = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > out.byteLength) {
      const grown = new Uint8Array(Math.max(out.byteLength * 2, loaded + value.byteLength));
      grown.set(out.subarray(0, loaded));
      out = grown;
    }
    out.set(value, loaded);
    loaded += value.byteLength;
    if (loaded - reported >= step) report((reported = loaded));
  }
  if (total !== null && loaded !== total) {
    throw new Error(`body ended after ${loaded} of ${total} bytes`);
  }
  if (reported !== loaded) report(loaded);
  // Only an unknown length leaves slack; copy then so a small JSON file does not pin a 1 MB buffer.
  return loaded === out.byteLength ? out : out.slice(0, loaded);
}
