/**
 * End to end, in headless Chromium: the built site on a static host that sends no COOP/COEP headers at all, under a
 * sub-path, as GitHub Pages serves it. The page's service worker (public/coi-sw.js) makes it cross-origin isolated
 * after one reload, so the bundled pair runs on several WASM threads; hub downloads (CORS, redirected to a CDN, no
 * CORP) and the model cache still work under its COEP; with service workers blocked, or a worker that cannot isolate
 * the page, it runs on one thread, says why, and never reloads more than once.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, closeChromium, launchChromium, modelsRoot, RESULTS } from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/hosted/sub/';
const MAX_TOKENS = 8;
const RUN = {
  strategy: 'dyspec:8',
  temperature: '0',
  top_p: '1',
  seed: '1',
  max_tokens: String(MAX_TOKENS),
  prompt: 'In the beginning God created',
  chat: '0',
  backend: 'wasm',
};
const RUN_HASH = new URLSearchParams(RUN).toString();
/** The badge's text on one thread where the host sends no COOP/COEP. */
const ONE_THREAD = 'WASM · 1 thread: the host does not allow cross-origin isolation';

/** The site as GitHub Pages serves it: no COOP/COEP/CORP headers. */
let plain: SiteServer;
/** The same site with a coi-sw.js that adds no headers: isolation cannot be had (the reload-loop guard's case). */
let inert: SiteServer;
let context: BrowserContext;
/** Output of the one-thread run (service workers blocked), for the threaded runs to match. */
let oneThreadIds: number[] = [];
const pageErrors: string[] = [];

/** A page that counts its loads (the first one and every reload). */
async function openCounted(ctx: BrowserContext, url: string): Promise<{ page: Page; loads: () => number }> {
  const page = await ctx.newPage();
  let loads = 0;
  page.on('load', () => loads++);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.getByTestId('run').waitFor();
  return { page, loads: () => loads };
}

/** Runs the settings in the page's hash and returns the output token ids. */
async function generate(page: Page): Promise<number[]> {
  await page.getByTestId('run').click();
  await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
      if (text === 'failed' || text === 'error')
        throw new Error(`run failed: ${document.body.innerText.slice(0, 2000)}`);
      return text === 'done';
    },
    null,
    { timeout: 120_000, polling: 100 },
  );
  const ids = (await page.getByTestId('output-text').getAttribute('data-token-ids')) ?? '';
  return ids.split(',').filter(Boolean).map(Number);
}

const badge = (page: Page) => page.getByTestId('backend-badge');

/**
 * A model mirror on two other origins (two ports of 127.0.0.1), laid out like the hub: `/ORG/NAME/resolve/main/FILE`
 * with CORS and no CORP, where `model.safetensors` redirects to the second origin's `/cdn/NAME/...`.
 */
async function serveMirror(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  let cdn = '';
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const cors = { 'Access-Control-Allow-Origin': '*' };
    const hubPath = /^\/test-org\/(specdec-[a-z]+)\/resolve\/main\/(.+)$/.exec(path);
    if (hubPath?.[2] === 'model.safetensors') {
      res.writeHead(302, { ...cors, Location: `${cdn}cdn/${hubPath[1]}/model.safetensors` }).end();
      return;
    }
    const [name, file] = hubPath ? [hubPath[1], hubPath[2]] : (/^\/cdn\/([^/]+)\/(.+)$/.exec(path)?.slice(1) ?? []);
    readFile(join(modelsRoot(), name ?? '', file ?? '')).then(
      (body) => res.writeHead(200, { ...cors, 'Content-Length': String(body.length) }).end(body),
      () => res.writeHead(404, cors).end('Entry not found'),
    );
  };
  const servers = [createServer(handler), createServer(handler)];
  const urls = await Promise.all(
    servers.map(
      (server) =>
        new Promise<string>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
        ),
    ),
  );
  cdn = urls[1];
  return {
    url: urls[0],
    requests,
    close: async () => {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

beforeAll(async () => {
  const site = await buildSite(SUB_PATH, join(RESULTS, 'hosted-site'));
  const inertSite = join(RESULTS, 'hosted-site-inert');
  await cp(site, inertSite, { recursive: true });
  await writeFile(join(inertSite, 'coi-sw.js'), "self.addEventListener('install', () => self.skipWaiting());\n");
  plain = await serveSite(site, SUB_PATH, false);
  inert = await serveSite(inertSite, SUB_PATH, false);
  context = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closeChromium(context);
  await plain?.close();
  await inert?.close();
});

describe('the hosted page (no COOP/COEP from the host, at a sub-path)', () => {
  it('runs on one thread and says why when service workers are blocked', async () => {
    const blocked = await launchChromium([], { serviceWorkers: 'block' });
    try {
      const { page, loads } = await openCounted(blocked, `${plain.url}#${RUN_HASH}`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await badge(page).textContent()).toBe(
        'no model loaded · 1 thread: the host does not allow cross-origin isolation',
      );
      oneThreadIds = await generate(page);
      expect(oneThreadIds).toHaveLength(MAX_TOKENS);
      expect(await badge(page).textContent()).toBe(ONE_THREAD);
      expect(await badge(page).getAttribute('title')).toMatch(/no COOP\/COEP headers, and service workers .* blocked/);
      expect(page.workers()).toHaveLength(1); // the engine's worker, and no WASM thread workers
      expect(loads()).toBe(1);
      await page.close();
    } finally {
      await closeChromium(blocked);
    }
  }, 180_000);

  it('is cross-origin isolated after one reload, and generates on several WASM threads', async () => {
    const { page, loads } = await openCounted(context, `${plain.url}#${RUN_HASH}`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(loads()).toBe(2); // the first load, and the one reload with the service worker's headers
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('specdec-coi-reloaded'))).toBeNull();
    // The worker adds the isolation headers to the site's own responses.
    const headers = await page.evaluate(async () => Object.fromEntries((await fetch('./favicon.svg')).headers));
    expect(headers).toMatchObject({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });

    expect(await generate(page)).toEqual(oneThreadIds);
    const label = (await badge(page).textContent()) ?? '';
    const threads = Number(/^WASM · (\d+) threads$/.exec(label)?.[1]);
    expect(threads, label).toBeGreaterThan(1);
    expect(await badge(page).getAttribute('title')).toMatch(/isolated by the service worker coi-sw\.js/);
    // onnxruntime really runs threads: the engine's worker plus threads - 1 WASM thread workers.
    expect(page.workers()).toHaveLength(threads);
    expect(loads()).toBe(2);
    await page.close();

    // A later visit is controlled from its first load: isolated at once, no reload.
    const again = await openCounted(context, `${plain.url}#${RUN_HASH}`);
    expect(await again.page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(again.loads()).toBe(1);
    await again.page.close();
    expect(plain.requests.filter((r) => !r.startsWith(SUB_PATH))).toEqual([]);
  }, 180_000);

  it('downloads models cross-origin under the worker’s COEP (CORS, a CDN redirect, no CORP) and caches hub files', async () => {
    // The draft from "the hub" (playwright answers https://huggingface.co as the hub answers a browser: CORS, no
    // CORP), cached by the loader in the Cache API; the target from a folder URL on another origin whose weights
    // redirect to a third origin, as the hub's LFS files redirect to its CDN (a routed redirect is not followed
    // into another route, so this one is served for real).
    /** Hub files served (404s for optional files the pair lacks are not cached, so they are asked again). */
    const hubServed: string[] = [];
    const hub = async (route: Route): Promise<void> => {
      const url = new URL(route.request().url());
      const m = /^\/test-org\/(specdec-draft)\/resolve\/main\/(.+)$/.exec(url.pathname);
      const body = m ? await readFile(join(modelsRoot(), m[1], m[2])).catch(() => null) : null;
      const headers = { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/octet-stream' };
      if (body) hubServed.push(url.pathname);
      await route.fulfill(body ? { status: 200, headers, body } : { status: 404, headers, body: 'Entry not found' });
    };
    await context.route('https://huggingface.co/**', hub);
    const mirror = await serveMirror();
    try {
      const hash = new URLSearchParams({
        ...RUN,
        max_tokens: '4',
        model: 'custom',
        draft: 'test-org/specdec-draft',
        target: `${mirror.url}test-org/specdec-target/resolve/main/`,
      }).toString();
      const first = await openCounted(context, `${plain.url}#${hash}`);
      expect(await first.page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await generate(first.page)).toEqual(oneThreadIds.slice(0, 4));
      expect(hubServed).toContain('/test-org/specdec-draft/resolve/main/model.safetensors');
      expect(mirror.requests).toContain('/cdn/specdec-target/model.safetensors'); // the redirect was followed
      const cached = await first.page.evaluate(async () =>
        (await (await caches.open('specdec-models-v1')).keys()).map((r) => r.url),
      );
      expect(cached).toContain('https://huggingface.co/test-org/specdec-draft/resolve/main/model.safetensors');
      await first.page.close();

      // A fresh page reads the hub files from the Cache API: the hub serves none again.
      const seen = hubServed.length;
      const second = await openCounted(context, `${plain.url}#${hash}`);
      expect(await generate(second.page)).toEqual(oneThreadIds.slice(0, 4));
      expect(hubServed.slice(seen)).toEqual([]);
      await second.page.close();
    } finally {
      await context.unroute('https://huggingface.co/**', hub);
      await mirror.close();
    }
  }, 180_000);

  it('reloads once at most when the service worker cannot isolate the page, then says so', async () => {
    const { page, loads } = await openCounted(context, `${inert.url}#${RUN_HASH}`);
    await page.waitForTimeout(1000); // time for a second reload, were there one
    expect(loads()).toBe(2);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await badge(page).textContent()).toBe(
      'no model loaded · 1 thread: the host does not allow cross-origin isolation',
    );
    expect(await badge(page).getAttribute('title')).toMatch(/still not isolated .* reloaded once/);
    // A reload by the user is one load: the tab already spent its automatic reload.
    await page.reload();
    await page.getByTestId('run').waitFor();
    await page.waitForTimeout(1000);
    expect(loads()).toBe(3);
    await page.close();
    await writeFile(join(RESULTS, 'hosted-page-errors.txt'), pageErrors.join('\n'));
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
