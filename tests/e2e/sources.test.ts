/**
 * End to end, in real headless Chromium: table drafts on the page. The built site (own folder, sub-path, COOP/COEP)
 * runs the bundled pair on WASM with `chain:4@context` on a prompt that repeats itself (context-ringed tree nodes,
 * context-coloured output tokens, the source in the node's hover text); then a datastore built from pasted text (an
 * empty one refused first), a `@corpus` run on it, and its exported trace (schema 2, `tree.sources` with 'corpus').
 * Screenshots at 1280x800 and at 390 px wide, where nothing the sources added may stick out of the page.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_BACKGROUNDS } from '../../src/ui/theme';
import { buildSite, closeChromium, launchChromium, RESULTS } from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/sources/';
/** Repeats itself, so prompt lookup finds the continuation (the bundled pair is trained on the KJV among others). */
const PROMPT =
  'And God said, Let there be light: and there was light. And God said, Let there be light: and there was light. ' +
  'And God said,';
/**
 * A short text to build a datastore from: a few verses, among them phrases the bundled target writes after the prompt
 * (so some corpus drafts are accepted; the test does not depend on it).
 */
const CORPUS =
  'And God saw the light, that it was good: and God divided the light from the darkness. And he said, Lord, Lord, ' +
  'why should I do this? And Jesus said unto him, Lord, Lord, why do ye not understand my speech?';
const HASH = new URLSearchParams({
  strategy: 'chain:4@context',
  temperature: '0',
  top_p: '1',
  seed: '1',
  max_tokens: '32',
  prompt: PROMPT,
  chat: '0',
  backend: 'wasm',
}).toString();

let site: SiteServer;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function waitForRun(p: Page, timeout = 120_000): Promise<void> {
  await p.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
      if (text === 'failed') throw new Error(`the run failed: ${document.body.innerText.slice(0, 2000)}`);
      return text === 'done';
    },
    undefined,
    { timeout, polling: 100 },
  );
}

/** `#rrggbb` as the `rgb(r, g, b)` a computed style reports. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

beforeAll(async () => {
  const outDir = await buildSite(SUB_PATH, join(RESULTS, 'site-sources'));
  site = await serveSite(outDir, SUB_PATH);
  context = await launchChromium();
  await mkdir(RESULTS, { recursive: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
}, 240_000);

afterAll(async () => {
  await closeChromium(context);
  await site?.close();
});

describe('draft sources in headless Chromium', () => {
  it('runs chain:4@context: context-ringed tree nodes and context-coloured output tokens', async () => {
    await page.goto(`${site.url}#${HASH}`);
    await page.getByTestId('run').waitFor();
    expect(await page.getByLabel('context', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('model', { exact: true }).isChecked()).toBe(false);
    await page.getByTestId('run').click();
    await waitForRun(page);

    const tree = page.locator('[data-testid="tree-box"] svg.tree-view-svg');
    const contextNodes = tree.locator('g.node.source-context');
    expect(await contextNodes.count()).toBeGreaterThan(0);
    expect(await tree.locator('g.legend .legend-source').allTextContents()).toEqual(['context lookup (ring)']);
    await contextNodes.first().hover();
    expect(await page.getByRole('tooltip').textContent()).toContain('drawn by the context lookup');

    const contextTokens = page.locator('[data-testid="output"] .tok-src-context');
    expect(await contextTokens.count()).toBeGreaterThan(0);
    expect(await contextTokens.first().evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      rgb(SOURCE_BACKGROUNDS.context),
    );
    expect(await page.locator('[data-testid="output"] .tok-src-model').count()).toBe(0);
    expect(await page.locator('[data-testid="output"] .tok-bonus').count()).toBeGreaterThan(0);
    expect(await page.locator('.token-stream-summary').textContent()).toMatch(/accepted: context lookup \([1-9]\d*\)/);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400); // the tree's transition
    await page.screenshot({ path: join(RESULTS, 'sources-context.png'), fullPage: true });
  }, 240_000);

  it('builds a datastore from pasted text, runs @corpus on it, and exports schema 2 with corpus sources', async () => {
    await page.getByLabel('corpus', { exact: true }).check();
    await page.getByLabel('context', { exact: true }).uncheck();
    expect(await page.getByTestId('strategy-text').textContent()).toBe('chain:4@corpus');
    await page.getByTestId('datastore-picker').waitFor();

    // An empty text is refused, and nothing is lost.
    await page.getByTestId('datastore-build').click();
    await page.getByTestId('datastore-error').waitFor();
    expect(await page.getByTestId('datastore-error').textContent()).toMatch(/the text is empty/);
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(PROMPT);
    expect(await page.locator('[data-testid="output"] .tok-src-context').count()).toBeGreaterThan(0);

    await page.getByLabel('Text to draft from').fill(CORPUS);
    await page.getByTestId('datastore-build').click();
    await page.waitForFunction(
      () =>
        /^datastore: pasted text/.test(document.querySelector('[data-testid="datastore-status"]')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.getByTestId('datastore-status').textContent()).toMatch(
      /^datastore: pasted text \(\d+ B\), \d+ tokens, built in \d+ ms, (< 0\.1|\d+\.\d) MiB$/,
    );
    expect(await page.getByTestId('datastore-error').count()).toBe(0);
    expect(await page.getByTestId('run-blocker').count()).toBe(0);

    await page.getByTestId('run').click();
    await waitForRun(page);
    const tree = page.locator('[data-testid="tree-box"] svg.tree-view-svg');
    expect(await tree.locator('g.node.source-corpus').count()).toBeGreaterThan(0);

    const download = page.waitForEvent('download');
    await page.getByTestId('export-run').click();
    const file = join(RESULTS, 'sources-corpus.trace.json');
    await (await download).saveAs(file);
    const doc = JSON.parse(await readFile(file, 'utf8')) as {
      schemaVersion: number;
      settings: { strategy: string };
      steps: { tree: { sources: (string | null)[] } }[];
    };
    expect(doc.schemaVersion).toBe(2);
    expect(doc.settings.strategy).toBe('chain:4@corpus');
    expect(doc.steps.some((s) => s.tree.sources.includes('corpus'))).toBe(true);
    expect(new Set(doc.steps.flatMap((s) => s.tree.sources))).toEqual(new Set([null, 'corpus']));

    await page.mouse.move(0, 0);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(RESULTS, 'sources.png'), fullPage: true });
  }, 240_000);

  it('fits at 390 px wide: nothing the sources added sticks out of the page', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(400);
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const selectors = [
        '[data-testid="draft-sources"]',
        '[data-testid="datastore-picker"]',
        '[data-testid="datastore-status"]',
        '[data-testid="datastore-text"]',
        '.token-stream-summary',
        '.run-controls .button-row',
      ];
      const out: string[] = [];
      for (const sel of selectors) {
        for (const el of document.querySelectorAll(sel)) {
          const r = el.getBoundingClientRect();
          if (r.left < -0.5 || r.right > width + 0.5) out.push(`${sel}: ${r.left}..${r.right} of ${width}`);
          if (el.scrollWidth > el.clientWidth + 1 && sel !== '[data-testid="datastore-text"]') {
            out.push(`${sel}: content ${el.scrollWidth} wider than ${el.clientWidth}`);
          }
        }
      }
      if (document.documentElement.scrollWidth > width + 1) {
        // Name the outermost elements that stick out, to say what to fix.
        const wide = [...document.body.querySelectorAll('*')].filter(
          (el) =>
            el.getBoundingClientRect().right > width + 0.5 &&
            (el.parentElement?.getBoundingClientRect().right ?? 0) <= width + 0.5,
        );
        const names = wide.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
        out.push(`page: ${document.documentElement.scrollWidth} wider than ${width} (${names.join(', ')})`);
      }
      return out;
    });
    await page.screenshot({ path: join(RESULTS, 'sources-390.png'), fullPage: true });
    // Close-ups of what the sources added, at the device's pixel size.
    await page.locator('.strategy-form').screenshot({ path: join(RESULTS, 'sources-390-strategy.png') });
    await page.getByTestId('output').screenshot({ path: join(RESULTS, 'sources-390-output.png') });
    expect(overflow).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
