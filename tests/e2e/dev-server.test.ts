/**
 * The dev server (`npm run dev`) serves the model folders at `<base>models/` with the headers the page needs
 * (cross-origin isolation, Content-Length for progress bars), answers 404 for missing files (the loader probes
 * optional ones), and never serves the training pipeline or anything outside the models folder.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { REPO } from './browser';

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

describe('the dev server', () => {
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
