/**
 * The dev server (`npm run dev`) serves the model folders at `<base>models/` with the headers the page needs
 * (cross-origin isolation, Content-Length for progress bars), answers 404 for missing files (the loader probes
 * optional ones), and never serves the training pipeline or anything outside the models folder. On a fresh clone
 * (no dependency cache) the first visit runs the bundled pair without Vite re-bundling dependencies and reloading
 * the page under the user.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServer, type Logger, type ViteDevServer } from 'vite';
import { closeChromium, launchChromium, modelsRoot, REPO } from './browser';

let server: ViteDevServer;
let base: string;

/** Status of a GET sent with the path exactly as written (fetch would normalise it). */
function rawStatus(path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    get({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('the dev server', () => {
  beforeAll(async () => {
    const models = await mkdtemp(join(tmpdir(), 'specdec-models-'));
    await mkdir(join(models, 'tiny'), { recursive: true });
    await mkdir(join(models, 'train'), { recursive: true });
    await writeFile(join(models, 'tiny', 'config.json'), '{"model_type":"llama"}');
    await writeFile(join(models, 'tiny', 'model.safetensors'), new Uint8Array(1000));
    await writeFile(join(models, 'train', 'config.json'), '{}');
    process.env.SPECDEC_MODELS_DIR = models;
    server = await createServer({
      root: REPO,
      configFile: join(REPO, 'vite.config.ts'),
      base: '/sub/',
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('the dev server has no port');
    base = `http://127.0.0.1:${address.port}/sub/`;
  }, 60_000);

  afterAll(async () => {
    delete process.env.SPECDEC_MODELS_DIR;
    await server?.close();
  });

  it('serves model files under the base path with isolation headers and a length', async () => {
    const res = await fetch(`${base}models/tiny/model.safetensors`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1000');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await res.arrayBuffer()).byteLength).toBe(1000);
    const config = await fetch(`${base}models/tiny/config.json`);
    expect(config.headers.get('content-type')).toBe('application/json');
    expect(await config.json()).toEqual({ model_type: 'llama' });
  });

  it('answers 404 for missing files, the training folder and paths outside the models', async () => {
    for (const path of ['models/tiny/model.safetensors.index.json', 'models/train/config.json', 'models/tiny/']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
    }
    // URL parsers resolve `..` and `%2e%2e`; an encoded slash reaches the middleware as `models/../` and must not escape.
    expect(await rawStatus('/sub/models/tiny%2F..%2F..%2Fpackage.json')).toBe(404);
  });

  it('serves the page itself cross-origin isolated', async () => {
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await res.text()).toContain('<div id="root">');
  });
});

/** What the dev server logged, for the assertions (and the failure message). */
function recordingLogger(lines: string[]): Logger {
  const logger = createLogger('info', { allowClearScreen: false });
  const record =
    (write: (msg: string, options?: object) => void) =>
    (msg: string, options?: object): void => {
      lines.push(msg);
      write(msg, options);
    };
  return {
    ...logger,
    info: record(() => undefined),
    warn: record(logger.warn),
    warnOnce: record(logger.warnOnce),
    error: record(logger.error),
  };
}

describe('the dev server on a fresh clone', () => {
  let fresh: ViteDevServer;
  let context: BrowserContext | undefined;
  let cacheDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    modelsRoot(); // the page runs the bundled pair: fail loudly if it is missing
    // An empty cache folder is what a fresh clone has (no node_modules/.vite): the optimiser starts from nothing.
    // A private one, so the shared node_modules/.vite of other dev servers and test runs is left alone.
    cacheDir = await mkdtemp(join(tmpdir(), 'specdec-vite-cache-'));
    fresh = await createServer({
      root: REPO,
      configFile: join(REPO, 'vite.config.ts'),
      base: '/fresh/',
      cacheDir,
      customLogger: recordingLogger(logs),
      // No file watching: an edit elsewhere in the tree during the test would reload the page for its own reasons.
      server: { port: 0, host: '127.0.0.1', watch: { ignored: () => true } },
    });
    await fresh.listen();
    context = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeChromium(context);
    await fresh?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('runs the bundled pair on the first visit without reloading the page to re-bundle dependencies', async () => {
    const address = fresh.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('the dev server has no port');
    const page = await context!.newPage();
    let loads = 0;
    const reloaded = new Promise<never>((_, reject) => {
      page.on('load', () => {
        loads += 1;
        if (loads > 1) reject(new Error(`the page reloaded itself; the dev server said:\n${logs.join('\n')}`));
      });
    });
    const hash = new URLSearchParams({ strategy: 'chain:2', max_tokens: '3', temperature: '0', backend: 'wasm' });
    await page.goto(`http://127.0.0.1:${address.port}/fresh/#${hash}`);
    // A run loads the engine's worker and everything it imports (tokenizer, chat templates, onnxruntime-web): the
    // packages the dependency scanner used to miss. The race fails at once if the page reloads meanwhile.
    const done = (async () => {
      await page.getByTestId('run').click({ timeout: 120_000 });
      await page.waitForFunction(
        () => {
          const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
          if (text === 'failed') throw new Error(document.body.innerText.slice(0, 2000));
          return text === 'done';
        },
        null,
        { timeout: 180_000, polling: 100 },
      );
    })();
    await Promise.race([done, reloaded]);
    // The optimiser debounces newly found packages before it re-bundles; give a late re-bundle time to show.
    await page.waitForTimeout(1500);
    expect(loads).toBe(1);
    expect(logs.filter((l) => /optimized dependencies changed|new dependencies optimized/.test(l))).toEqual([]);
    await page.close();
  }, 300_000);
});
