/**
 * Serves a built site (dist/) under a sub-path from node:http on 127.0.0.1, the way a static host would, with the
 * COOP/COEP headers that make the page cross-origin isolated (WASM threads).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/** A running site server. */
export interface SiteServer {
  /** Page URL, e.g. `http://127.0.0.1:PORT/sub/path/`. */
  url: string;
  /** Paths requested so far (to check the page stayed under its sub-path and offline). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts serving `dir` at `subPath` (e.g. `/sub/path/`).
 * @param isolate send COOP/COEP (default true)
 */
export async function serveSite(dir: string, subPath: string, isolate = true): Promise<SiteServer> {
  const root = resolve(dir);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const headers: Record<string, string> = isolate
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    const notFound = (): void => {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
    };
    if (!path.startsWith(subPath)) return notFound();
    const rel = path.slice(subPath.length) || 'index.html';
    const file = resolve(join(root, rel.endsWith('/') ? `${rel}index.html` : rel));
    if (file !== root && !file.startsWith(root + sep)) return notFound();
    stat(file).then(
      (info) => {
        if (!info.isFile()) return notFound();
        res.writeHead(200, {
          ...headers,
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': String(info.size),
        });
        createReadStream(file).pipe(res);
      },
      () => notFound(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${subPath}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
