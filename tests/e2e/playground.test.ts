/**
 * End to end, in real headless Chromium: the built site served under a sub-path (with COOP/COEP), the bundled pair
 * run in the page's Web Worker on WASM, checked against the CLI's `generate` in Node; trace export / re-import
 * (replay without models), a broken trace, settings restored from the URL hash, and a comparison's charts. A host
 * without COOP/COEP (the service worker's case, and one thread where it cannot run) is hosted.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  closeChromium,
  launchChromium,
  modelsRoot,
  openPlayground,
  REPO,
  RESULTS,
  SWIFTSHADER_WEBGPU,
} from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/sub/path/';
const PROMPT = 'In the beginning God created';
const MAX_TOKENS = 32;
const STRATEGY = 'dyspec:8';
/** The run the page and the CLI both make: T = 0, DySpec, raw prompt (no chat template), WASM. */
const RUN_HASH = new URLSearchParams({
  strategy: STRATEGY,
  temperature: '0',
  top_p: '1',
  seed: '1',
  max_tokens: String(MAX_TOKENS),
  prompt: PROMPT,
  chat: '0',
  backend: 'wasm',
}).toString();

let site: SiteServer;
/** The CLI's output for the run (token ids), for the other backends to match. */
let cliTokens: number[] = [];
let context: BrowserContext;
let page: Page;
/** Errors the page threw (any is a failure). */
const pageErrors: string[] = [];

const openPage = (hash: string): Promise<Page> => openPlayground(context, site.url, hash, pageErrors);

async function waitForStatus(p: Page, testId: string, status: string, timeout = 120_000): Promise<void> {
  await p.waitForFunction(
    ([id, want]) => {
      const text = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      if (text === 'failed' || text === 'error')
        throw new Error(`${id} failed: ${document.body.innerText.slice(0, 2000)}`);
      return text === want;
    },
    [testId, status] as const,
    { timeout, polling: 100 },
  );
}

/**
 * Opens the site at `hash` in a fresh Chromium with SwiftShader's WebGPU adapter, runs `body` on the page (with the
 * .wasm fetches recorded from before navigation) and closes the browser.
 */
async function onSwiftShaderPage(
  hash: URLSearchParams,
  body: (p: Page, wasm: ReturnType<typeof wasmFetches>) => Promise<void>,
): Promise<void> {
  const gpu = await launchChromium(SWIFTSHADER_WEBGPU);
  try {
    const wasm = wasmFetches(gpu);
    const p = await gpu.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(`${site.url}#${hash}`);
    await body(p, wasm);
    await p.close();
  } finally {
    await closeChromium(gpu);
  }
}

/** File names of the .wasm files a browser context fetches (workers included) until `stop`. */
function wasmFetches(ctx: BrowserContext): { names: string[]; stop: () => string[] } {
  const names: string[] = [];
  const onRequest = (r: Request) => {
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm')) names.push(name);
  };
  ctx.on('request', onRequest);
  return { names, stop: () => (ctx.off('request', onRequest), names) };
}

/** Token ids and text of the output on screen. */
async function outputOf(p: Page): Promise<{ ids: number[]; text: string }> {
  const el = p.getByTestId('output-text');
  const ids = ((await el.getAttribute('data-token-ids')) ?? '').split(',').filter(Boolean).map(Number);
  return { ids, text: (await el.textContent()) ?? '' };
}

beforeAll(async () => {
  const outDir = await buildSite(SUB_PATH);
  site = await serveSite(outDir, SUB_PATH);
  context = await launchChromium();
  await mkdir(RESULTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await closeChromium(context);
  await site?.close();
});

describe('the playground in headless Chromium', () => {
  it('runs the bundled pair at T = 0 with DySpec: tree, accepted path, and the CLI output', async () => {
    page = await openPage(RUN_HASH);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The autoregressive baseline first, so the run shows its speedup.
    await page.getByTestId('baseline').click();
    await page.waitForFunction(() => {
      const b = document.querySelector<HTMLButtonElement>('[data-testid="baseline"]');
      return b !== null && !b.disabled && b.textContent === 'Measure AR baseline';
    });
    await page.getByTestId('run').click();
    await waitForStatus(page, 'run-status', 'done');
    expect(await page.getByTestId('speedup').textContent()).toMatch(/^\d+\.\d\d×$/);

    const tree = page.locator('[data-testid="tree-box"] svg.tree-view-svg');
    expect(await tree.locator('g.node').count()).toBeGreaterThan(1);
    expect(await tree.locator('g.node.node-bonus').count()).toBe(1);
    // A trained pair accepts draft tokens somewhere in the run; clicking one shows its step, whose accepted path
    // holds the root and at least that token.
    const accepted = page.locator('[data-testid="output"] .tok-accepted');
    expect(await accepted.count()).toBeGreaterThan(0);
    await accepted.first().click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="tree-box"] svg.tree-view-svg g.node.on-path').length >= 2,
    );
    expect(await tree.locator('g.node.node-bonus').count()).toBe(1);
    expect(await page.getByTestId('backend-badge').textContent()).toMatch(/^WASM · \d+ threads?$/);

    const root = modelsRoot();
    const jsonFile = join(RESULTS, 'cli-generate.json');
    await promisify(execFile)(
      join(REPO, 'node_modules/.bin/tsx'),
      [
        'src/cli/main.ts',
        'generate',
        ...['--prompt', PROMPT, '--strategy', STRATEGY, '--max-new-tokens', String(MAX_TOKENS)],
        ...['--temperature', '0', '--top-p', '1', '--seed', '1', '--quiet', '--json', jsonFile],
        ...['--draft', join(root, 'specdec-draft'), '--target', join(root, 'specdec-target')],
      ],
      { cwd: REPO, timeout: 120_000 },
    );
    const cli = JSON.parse(await readFile(jsonFile, 'utf8')) as { text: string; token_ids: number[] };
    const out = await outputOf(page);
    cliTokens = cli.token_ids;
    expect(out.ids).toEqual(cli.token_ids);
    expect(out.text).toBe(cli.text);

    await page.waitForTimeout(500); // let the tree's transition finish before the screenshot
    await page.screenshot({ path: join(RESULTS, 'run.png'), fullPage: true });
    // Everything came from the site's own sub-path: nothing outside it, nothing from the network.
    expect(site.requests.filter((r) => !r.startsWith(SUB_PATH))).toEqual([]);
  }, 240_000);

  it('exports the run as a trace and replays it in a fresh page without models', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('export-run').click();
    const file = join(RESULTS, 'run.trace.json');
    await (await download).saveAs(file);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, kind: 'run', settings: { strategy: STRATEGY, temperature: 0 } });
    const expected = await outputOf(page);

    const requestsBefore = site.requests.length;
    const replay = await openPage('');
    await replay.getByTestId('import-trace').setInputFiles(file);
    await replay.getByTestId('import-notice').waitFor();
    expect(await outputOf(replay)).toEqual(expected);
    expect(await replay.locator('svg.tree-view-svg g.node').count()).toBeGreaterThan(1);
    expect(site.requests.slice(requestsBefore).filter((r) => r.includes('/models/'))).toEqual([]);

    // A broken file names the field at fault and changes nothing.
    doc.steps[0].tree.parents[0] = 'x';
    await replay.getByTestId('import-trace').setInputFiles({
      name: 'broken.trace.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(doc)),
    });
    const error = replay.getByTestId('import-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/broken\.trace\.json: steps\[0\]\.tree\.parents\[0\]/);
    expect(await outputOf(replay)).toEqual(expected);
    await replay.screenshot({ path: join(RESULTS, 'import-error.png'), fullPage: true });
    await replay.close();
  }, 120_000);

  it('restores settings from the URL hash after a reload, and flags invalid values', async () => {
    let p = await openPage('');
    await p.getByLabel('Decoding strategy').selectOption('tree');
    await p.getByLabel('Branching vector').fill('3x2');
    await p.getByLabel('Temperature').fill('0.7');
    await p.getByLabel('Prompt', { exact: true }).fill('Call me Ishmael');
    await p.waitForFunction(() => location.hash.includes('strategy=tree%3A3x2'));
    await p.reload();
    await p.getByTestId('run').waitFor();
    expect(await p.getByTestId('strategy-text').textContent()).toBe('tree:3x2');
    expect(await p.getByLabel('Branching vector').inputValue()).toBe('3x2');
    expect(await p.getByLabel('Temperature').inputValue()).toBe('0.7');
    expect(await p.getByLabel('Prompt', { exact: true }).inputValue()).toBe('Call me Ishmael');

    await p.close();

    // A link with invalid values opens with the defaults for those values and a notice naming them.
    p = await openPage('strategy=tree%3A0&temperature=warm&seed=3');
    const notice = p.getByTestId('hash-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/strategy: .*tree:0/);
    expect(await notice.textContent()).toMatch(/temperature: /);
    expect(await p.getByTestId('strategy-text').textContent()).toBe('dyspec:16');
    expect(await p.getByLabel('Seed').inputValue()).toBe('3');
    await p.close();
  }, 60_000);

  it('shows a load error naming the file, and keeps the prompt and settings', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('model', 'custom');
    hash.set('draft', './models/no-such-draft');
    hash.set('target', './models/no-such-target');
    const p = await openPage(hash.toString());
    await p.getByTestId('run').click();
    await p.getByTestId('model-error').waitFor();
    expect(await p.getByTestId('model-error').textContent()).toMatch(/config\.json/);
    expect(await p.getByTestId('run-status').textContent()).toBe('failed');
    expect(await p.getByLabel('Prompt', { exact: true }).inputValue()).toBe(PROMPT);
    expect(await p.getByTestId('strategy-text').textContent()).toBe(STRATEGY);
    await p.close();
  }, 60_000);

  it('says so when WebGPU is asked for but missing, and runs on WASM (on the plain WASM build)', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('backend', 'webgpu');
    hash.set('max_tokens', '4');
    const wasm = wasmFetches(context);
    const p = await openPage(hash.toString());
    await p.getByTestId('run').click();
    await waitForStatus(p, 'run-status', 'done');
    expect(await p.getByTestId('backend-fallback').textContent()).toMatch(/WebGPU .*not available/);
    expect(await p.getByTestId('backend-badge').textContent()).toMatch(/^WASM/);
    // The CPU-only build (about 3x faster on WASM), not the JSEP one the default bundle would load.
    expect(wasm.stop().some((name) => name.startsWith('ort-wasm-simd-threaded-'))).toBe(true);
    expect(wasm.names.some((name) => name.includes('.jsep'))).toBe(false);
    await p.close();
  }, 60_000);

  it('runs on WebGPU where the browser has it, with the same greedy output', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('backend', 'webgpu');
    hash.set('max_tokens', '12');
    await onSwiftShaderPage(hash, async (p, wasm) => {
      await p.getByTestId('run').click();
      await waitForStatus(p, 'run-status', 'done');
      expect(await p.getByTestId('backend-badge').textContent()).toMatch(/^WebGPU/);
      expect(await p.getByTestId('backend-fallback').count()).toBe(0);
      expect((await outputOf(p)).ids).toEqual(cliTokens.slice(0, 12));
      expect(wasm.stop().some((name) => name.includes('.jsep'))).toBe(true); // the build that runs WebGPU
    });
  }, 120_000);

  it('asks for a reload to switch from WASM to WebGPU (the WASM build is fixed per page), and keeps running', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('max_tokens', '4');
    // backend=wasm: the plain build loads
    await onSwiftShaderPage(hash, async (p) => {
      await p.getByTestId('run').click();
      await waitForStatus(p, 'run-status', 'done');
      await p.getByLabel('Backend').selectOption('webgpu');
      await p.getByRole('button', { name: 'Load models' }).click();
      await p.waitForFunction(
        () => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('loaded'),
        null,
        { timeout: 30_000 },
      );
      expect(await p.getByTestId('backend-fallback').textContent()).toMatch(/reload the page/);
      expect(await p.getByTestId('backend-badge').textContent()).toMatch(/^WASM/);
      await p.getByTestId('run').click();
      await waitForStatus(p, 'run-status', 'done');
    });
  }, 120_000);

  it('steps one target call at a time, and stops', async () => {
    const p = await openPage(RUN_HASH);
    await p.getByLabel('Step by step').check();
    await p.getByTestId('run').click();
    await waitForStatus(p, 'run-status', 'paused: press Next step');
    expect(await p.getByTestId('step-shown').textContent()).toBe('1');
    await p.getByTestId('next-step').click();
    await p.waitForFunction(() => document.querySelector('[data-testid="step-shown"]')?.textContent === '2');
    await waitForStatus(p, 'run-status', 'paused: press Next step');
    await p.getByTestId('stop').click();
    await waitForStatus(p, 'run-status', 'stopped');
    expect(await p.getByTestId('step-shown').textContent()).toBe('2');
    await p.close();
  }, 120_000);

  it('stops a free-running run within a step, keeping the partial output', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('strategy', 'dyspec:16');
    hash.set('max_tokens', '900'); // the bundled pair's context is 1024 positions, prompt included
    const p = await openPage(hash.toString());
    await p.getByLabel('Step by step').uncheck(); // the step-mode test before this one leaves it on
    await p.getByTestId('run').click();
    // A few steps have streamed in: the run is under way (the output's token ids are set when it ends).
    await p.waitForFunction(
      () => Number(document.querySelector('[data-testid="step-shown"]')?.textContent ?? 0) >= 3,
      null,
      {
        timeout: 120_000,
        polling: 20,
      },
    );
    const t0 = Date.now();
    await p.getByTestId('stop').click();
    await waitForStatus(p, 'run-status', 'stopped', 10_000);
    const stopMs = Date.now() - t0;
    const { ids } = await outputOf(p);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(900);
    await new Promise((r) => setTimeout(r, 500));
    expect((await outputOf(p)).ids).toEqual(ids); // nothing ran on after the stop
    expect(await p.getByTestId('export-run').isEnabled()).toBe(true);
    // One step of the bundled pair is milliseconds; the slack is for a loaded CI machine (the page was 54 s late before).
    expect(stopMs).toBeLessThan(5000);
    await p.close();
  }, 180_000);

  it('stops a comparison within a run, keeping the finished part', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('max_tokens', '200');
    hash.set('compare', 'ar,chain:4,dyspec:16');
    hash.set('compare_repeats', '5');
    const p = await openPage(hash.toString());
    await p.getByRole('tab', { name: 'Compare strategies' }).click();
    await p.getByTestId('compare-run').click();
    await p.waitForFunction(
      () => /running [4-9] of/.test(document.querySelector('[data-testid="compare-status"]')?.textContent ?? ''),
      null,
      { timeout: 180_000 },
    );
    const t0 = Date.now();
    await p.getByTestId('compare-stop').click();
    await waitForStatus(p, 'compare-status', 'stopped', 10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The complete units stay on screen and exportable.
    expect(await p.locator('[data-testid="compare-table"] tbody tr').count()).toBe(3);
    expect(await p.getByTestId('compare-caption').textContent()).toMatch(/rests on [1-3] runs? per strategy/);
    expect(await p.getByTestId('export-comparison').isEnabled()).toBe(true);
    await p.close();
  }, 240_000);

  it('runs a comparison and draws its charts', async () => {
    const hash = new URLSearchParams(RUN_HASH);
    hash.set('max_tokens', '20');
    hash.set('compare_prompts', `${PROMPT}\nAnd the evening and the morning were`);
    hash.set('compare', 'ar,chain:4,tree:2x2x1,sequoia:8,dyspec:4,dyspec:8,dyspec:16,dyspec-cal:auto');
    hash.set('compare_repeats', '1');
    const p = await openPage(hash.toString());
    await p.getByRole('tab', { name: 'Compare strategies' }).click();
    await p.getByTestId('compare-run').click();
    // The engine runs in a Worker: the page answers promptly while the comparison runs.
    await p.waitForFunction(() =>
      document.querySelector('[data-testid="compare-status"]')?.textContent?.startsWith('running'),
    );
    const t0 = Date.now();
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitForStatus(p, 'compare-status', 'done', 180_000);
    expect(await p.locator('[data-testid="compare-table"] tbody tr').count()).toBe(8);
    // Intervals: a column in the table, an error bar per row in the speedup chart; the caption says what they rest on.
    const intervals = await p.locator('[data-testid="compare-table"] td.interval-cell').allTextContents();
    expect(intervals).toHaveLength(8);
    for (const text of intervals) expect(text).toMatch(/^\d+\.\d\d–\d+\.\d\d$/);
    expect(await p.locator('[data-testid="chart-speedup"] svg g.error-bar').count()).toBe(8);
    expect(await p.getByTestId('compare-caption').textContent()).toMatch(
      /rests on 2 runs per strategy, after \d+ warm-up rounds/,
    );
    for (const name of ['speedup', 'budget-speedup', 'budget-tau', 'depth', 'calibration']) {
      const svg = p.locator(`[data-testid="chart-${name}"] svg`);
      expect(await svg.count(), name).toBe(1);
      expect(await svg.locator('.chart-root *').count(), `${name} is empty`).toBeGreaterThan(5);
    }
    // As rendered (page CSS included): one bar per strategy, each inside its own row of the plot, none overlapping.
    const bars = await p.$$eval('[data-testid="chart-speedup"] svg rect.bar', (rects) =>
      rects.map((r) => {
        const b = r.getBoundingClientRect();
        return { top: b.top, bottom: b.bottom };
      }),
    );
    expect(bars).toHaveLength(8);
    bars.sort((a, b) => a.top - b.top);
    for (let i = 1; i < bars.length; i++) expect(bars[i].top).toBeGreaterThanOrEqual(bars[i - 1].bottom - 0.5);
    await p.screenshot({ path: join(RESULTS, 'compare.png'), fullPage: true });

    const download = p.waitForEvent('download');
    await p.getByTestId('export-comparison').click();
    const file = join(RESULTS, 'comparison.trace.json');
    await (await download).saveAs(file);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.kind).toBe('comparison');
    expect(doc.runs).toHaveLength(16); // 8 strategies x 2 prompts

    // The result document, as `cli bench` writes it.
    const benchDownload = p.waitForEvent('download');
    await p.getByTestId('export-bench').click();
    const benchFile = join(RESULTS, 'comparison.bench.json');
    await (await benchDownload).saveAs(benchFile);
    const bench = JSON.parse(await readFile(benchFile, 'utf8'));
    expect(bench.rows).toHaveLength(8);
    expect(bench.protocol.complete_units).toBe(2);
    expect(bench.rows.every((r: { greedy_identical: boolean }) => r.greedy_identical)).toBe(true);
    await writeFile(join(RESULTS, 'page-errors.txt'), pageErrors.join('\n'));
    expect(pageErrors).toEqual([]);
    await p.close();
  }, 240_000);
});
