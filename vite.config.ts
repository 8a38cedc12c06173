import { createReadStream } from 'node:fs';
import { cp, readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vitest/config';

/** COOP/COEP make the page cross-origin isolated, which onnxruntime-web needs for WASM threads. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The model folders to publish: the repository's models/ (SPECDEC_MODELS_DIR serves another folder instead). */
const MODELS_DIR = resolve(process.env.SPECDEC_MODELS_DIR ?? join(import.meta.dirname, 'models'));
/** Files under models/ that are not model folders (the training pipeline and its data). */
const NOT_SERVED = new Set(['train']);

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jinja': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Model folders to publish: the directories under models/ that hold a config.json. */
async function modelFolders(): Promise<string[]> {
  const entries = await readdir(MODELS_DIR, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || NOT_SERVED.has(e.name)) continue;
    if (await stat(join(MODELS_DIR, e.name, 'config.json')).catch(() => null)) out.push(e.name);
  }
  return out;
}

/** Serves `<base>models/NAME/FILE` from the repository's models/ folder (dev and preview servers). */
function modelsMiddleware(base: string) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const prefix = `${base.startsWith('/') ? base : '/'}models/`;
    if (!path.startsWith(prefix)) return next();
    // Everything under models/ is answered here: a missing file must be a real 404 (the loader probes optional
    // files), not the SPA's index.html, and Vite's own static serving must not expose the training folder.
    const notFound = (): void => {
      res.writeHead(404, { ...isolationHeaders, 'Content-Type': 'text/plain' });
      res.end('not found');
    };
    const rel = path.slice(prefix.length);
    const file = resolve(MODELS_DIR, rel);
    const top = rel.split('/')[0];
    if (!file.startsWith(MODELS_DIR + sep) || NOT_SERVED.has(top)) return notFound();
    stat(file).then(
      (info) => {
        if (!info.isFile()) return notFound();
        res.writeHead(200, {
          ...isolationHeaders,
          'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': String(info.size), // the loader's progress bars need the total
          'Cache-Control': 'no-cache',
        });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      },
      () => notFound(),
    );
  };
}

/**
 * The bundled model pair as part of the site: served at `<base>models/` by `vite` and `vite preview`, and copied
 * to `dist/models/` by `vite build` so the static site works offline under any sub-path.
 */
function bundledModels(): Plugin {
  let outDir = 'dist';
  let base = '/';
  return {
    name: 'specdec-bundled-models',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      base = config.base;
    },
    configureServer(server) {
      server.middlewares.use(modelsMiddleware(base));
    },
    configurePreviewServer(server) {
      server.middlewares.use(modelsMiddleware(base));
    },
    async writeBundle() {
      for (const name of await modelFolders()) {
        await cp(join(MODELS_DIR, name), join(outDir, 'models', name), { recursive: true });
      }
    },
  };
}

export default defineConfig({
  // Relative base: the built site works from any sub-path (e2e builds with --base=/sub/path/ too).
  base: './',
  plugins: [react(), bundledModels()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  optimizeDeps: {
    // The dep scanner starts from index.html and does not follow `new Worker(new URL(...))`: without the worker as an
    // entry, its packages are found only when a fresh dev server first serves it, and Vite re-bundles and reloads
    // the page under the user (tests/e2e/dev-server.test.ts). `include` names them too, so they are bundled up front
    // even if an import moves behind a dynamic import the scanner cannot see.
    entries: ['index.html', 'src/worker/engine.worker.ts'],
    include: [
      'react',
      'react-dom',
      'react-dom/client',
      'react/jsx-runtime',
      'react/jsx-dev-runtime',
      'zustand',
      'd3',
      'd3-transition',
      'zod',
      '@huggingface/tokenizers',
      '@huggingface/jinja',
    ],
    // onnxruntime-web finds its .wasm next to its own module (new URL(..., import.meta.url)); pre-bundling would
    // move the module away from the file, so it is served as is in dev (an excluded package is never "discovered",
    // so it cannot trigger a reload either) and Vite emits the .wasm as an asset in builds.
    exclude: ['onnxruntime-web'],
  },
  worker: { format: 'es' },
  build: { chunkSizeWarningLimit: 1024 },
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
