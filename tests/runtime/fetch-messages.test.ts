import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/runtime/errors';
import { createFileFetcher, serverName } from '../../src/runtime/fetch';
import type { ModelSource } from '../../src/runtime/types';
import { writeFixtureModel } from '../helpers/fixture-model';
import { startStaticServer, type StaticServer } from '../helpers/static-server';

const REPO = 'test-org/tiny';
const fast = { retryDelayMs: 1, cache: false };
let server: StaticServer;

beforeAll(async () => {
  server = await startStaticServer({ [REPO]: (await writeFixtureModel()).dir });
});
afterAll(() => server.close());

describe('a failed download names the server that failed', () => {
  it('names the public hub as users know it, a mirror and a folder host by host', () => {
    const hub = (endpoint: string): ModelSource & { kind: 'hub' } => ({
      kind: 'hub',
      id: 'a/b',
      revision: 'main',
      endpoint,
    });
    expect(serverName(hub('https://huggingface.co'), 'https://huggingface.co/a/b/resolve/main/x')).toBe(
      'the Hugging Face hub (huggingface.co)',
    );
    expect(serverName(hub('http://127.0.0.1:9'), 'http://127.0.0.1:9/a/b/resolve/main/x')).toBe(
      'the hub mirror at 127.0.0.1:9',
    );
    expect(serverName({ kind: 'url', url: 'https://cdn.example/m/' }, 'https://cdn.example/m/x')).toBe(
      'the host cdn.example',
    );
    expect(serverName({ kind: 'url', url: '/models/m/' }, '/models/m/x')).toBe("the page's server");
  });

  it('says a closed port could not be reached, before the technical detail', async () => {
    const dead = await startStaticServer({});
    await dead.close();
    const host = new URL(dead.endpoint).host;
    const source: ModelSource = { kind: 'url', url: `${dead.endpoint}/${REPO}/resolve/main/` };
    const read = createFileFetcher(source, fast).read('config.json');
    await expect(read).rejects.toThrow(FetchError);
    await expect(read).rejects.toThrow(
      new RegExp(
        `^the host ${host} could not be reached: download of config\\.json failed after a retry: network error`,
      ),
    );
  });

  it('says a hub that answers 500 twice answered with a server error', async () => {
    server.inject({ file: 'config.json', kind: 'status', status: 500, times: 2 });
    const source: ModelSource = { kind: 'hub', id: REPO, revision: 'main', endpoint: server.endpoint };
    await expect(createFileFetcher(source, fast).read('config.json')).rejects.toThrow(
      /^the hub mirror at 127\.0\.0\.1:\d+ answered with a server error: download of config\.json failed after a retry: HTTP 500/,
    );
  });
});
