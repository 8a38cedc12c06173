/**
 * A tiny static file server on 127.0.0.1 (ephemeral port) that serves model folders the way the Hugging Face hub
 * does (`/{org}/{name}/resolve/{revision}/{file}`, with Content-Length), and also as plain folders
 * (`/files/{org}/{name}/{file}`) for URL sources. Failures can be injected per file: an HTTP status (a 500 once,
 * a 404) or a connection dropped halfway through the body.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A failure served instead of the file, `times` times (default once). */
export type InjectedFailure =
  { file: string; kind: 'status'; status: number; times?: number } | { file: string; kind: 'drop'; times?: number };

/** One request the server answered. */
export interface LoggedRequest {
  path: string;
  file: string;
  revision: string | null;
  status: number | 'dropped';
}

export interface StaticServer {
  /** `http://127.0.0.1:PORT` (use as the hub endpoint). */
  readonly endpoint: string;
  /** The plain-folder URL of a repo: `${endpoint}/files/${repo}/`. */
  folderUrl(repo: string): string;
  /** Every request answered, in order. */
  readonly requests: LoggedRequest[];
  /** Serves a failure for the next request(s) of a file. */
  inject(failure: InjectedFailure): void;
  close(): Promise<void>;
}

/**
 * Starts the server.
 * @param repos repo id (`org/name`) -> local folder
 */
export async function startStaticServer(repos: Record<string, string>): Promise<StaticServer> {
  const failures: (InjectedFailure & { left: number })[] = [];
  const requests: LoggedRequest[] = [];

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const hub = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const plain = /^\/files\/([^/]+\/[^/]+)\/(.+)$/.exec(path);
    const [repo, revision, file] = hub
      ? [hub[1], hub[2], hub[3]]
      : plain
        ? [plain[1], null, plain[2]]
        : [null, null, ''];
    const log = (status: number | 'dropped'): void => void requests.push({ path, file, revision, status });
    const send = (status: number, body: string): void => {
      log(status);
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
    };
    const folder = repo === null ? undefined : repos[repo];
    if (folder === undefined || file.split('/').includes('..')) return send(404, 'Repository not found');

    const failure = failures.find((f) => f.file === file && f.left > 0);
    if (failure) failure.left--;
    if (failure?.kind === 'status') return send(failure.status, `injected ${failure.status}`);

    readFile(join(folder, file)).then(
      (bytes) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.byteLength });
        if (failure?.kind !== 'drop') {
          log(200);
          res.end(bytes);
          return;
        }
        // Headers promise the whole file; send half of it and cut the connection.
        log('dropped');
        res.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)), () => {
          setTimeout(() => res.socket?.destroy(), 10);
        });
      },
      () => send(404, 'Entry not found'),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    folderUrl: (repo) => `${endpoint}/files/${repo}/`,
    requests,
    inject: (failure) => void failures.push({ ...failure, left: failure.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
