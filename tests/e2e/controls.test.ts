/**
 * End to end, in headless Chromium on the built site: every control does what it says. An invalid field disables
 * Run (naming the field) and a fixed one runs with its new value; a pasted prompt over the link limit is kept (the
 * link leaves it out) and, past the context, fails with the engine's message in place of the tree and metrics; the
 * replay notice goes when a live run starts; an empty prompt says it generates from BOS; and a Hugging Face hub that
 * cannot be reached is named as such, at Run too, with the bundled pair offered and the header still on the last pair.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, closeChromium, launchChromium, openPlayground, RESULTS } from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/controls/';
const PROMPT = 'In the beginning God created';
const HASH = new URLSearchParams({
  strategy: 'dyspec:8',
  temperature: '0',
  max_tokens: '4',
  prompt: PROMPT,
  chat: '0',
  backend: 'wasm',
}).toString();

let site: SiteServer;
let context: BrowserContext;
const pageErrors: string[] = [];

const openPage = (ctx: BrowserContext, hash = HASH): Promise<Page> => openPlayground(ctx, site.url, hash, pageErrors);

/** Waits until a test id's text is `want`; a run that says "failed" when that is not wanted fails at once. */
async function waitForText(p: Page, testId: string, want: string, timeout = 120_000): Promise<void> {
  await p.waitForFunction(
    ([id, expected]) => {
      const text = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      if (text === 'failed' && expected !== 'failed')
        throw new Error(`failed: ${document.body.innerText.slice(0, 2000)}`);
      return text === expected;
    },
    [testId, want] as const,
    { timeout, polling: 100 },
  );
}

const isDisabled = (p: Page, testId: string) => p.getByTestId(testId).isDisabled();
const tokenIds = async (p: Page) =>
  ((await p.getByTestId('output-text').getAttribute('data-token-ids')) ?? '').split(',').filter(Boolean);

beforeAll(async () => {
  site = await serveSite(await buildSite(SUB_PATH, join(RESULTS, 'controls-site')), SUB_PATH);
  context = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closeChromium(context);
  await site?.close();
  expect(pageErrors).toEqual([]);
});

describe('every control does what it says, in Chromium', () => {
  it('an invalid field disables Run with a reason naming it; the fixed value is the one that runs', async () => {
    const p = await openPage(context);
    await p.getByLabel('Max new tokens').fill('-5');
    expect(await isDisabled(p, 'run')).toBe(true);
    expect(await isDisabled(p, 'baseline')).toBe(true);
    const reason = 'invalid field: max new tokens must be between 1 and 1024, got -5';
    expect(await p.getByTestId('run-blocker').textContent()).toBe(reason);
    expect(await p.getByTestId('run').getAttribute('title')).toBe(reason);
    await p.getByLabel('Temperature').fill('9');
    expect(await p.getByTestId('run-blocker').textContent()).toMatch(/^invalid fields: temperature .*; max new tokens/);
    await p.getByLabel('Temperature').fill('0');
    await p.getByLabel('Max new tokens').fill('3');
    expect(await isDisabled(p, 'run')).toBe(false);
    await p.getByTestId('run').click();
    await waitForText(p, 'run-status', 'done');
    expect(await tokenIds(p)).toHaveLength(3);
    await p.close();
  }, 120_000);

  it('keeps a pasted prompt over 4,000 characters, and a run past the context shows only its error', async () => {
    const p = await openPage(context);
    const long = 'In the beginning God created the heaven and the earth. '.repeat(100);
    expect(long.length).toBeGreaterThan(4000);
    const box = p.getByLabel('Prompt', { exact: true });
    await box.fill(long);
    expect(await box.inputValue()).toBe(long);
    expect(await p.getByTestId('prompt-note').textContent()).toMatch(
      new RegExp(`^${long.length.toLocaleString('en')} characters: kept .*leaves this one out`),
    );
    await p.waitForFunction(() => location.hash.includes('max_tokens=4') && !location.hash.includes('prompt='));
    await p.getByTestId('run').click();
    await waitForText(p, 'run-status', 'failed');
    expect(await p.getByTestId('run-failed').textContent()).toMatch(/exceeds the models' context of 1024 positions/);
    expect(await p.getByText('waiting for the first step…').count()).toBe(0);
    expect(await p.getByTestId('metrics').count()).toBe(0);
    expect(await p.getByTestId('metrics-failed').textContent()).toMatch(/failed before its first step/);
    expect(await box.inputValue()).toBe(long);
    await p.close();
  }, 120_000);

  it('the replay notice goes when a live run starts', async () => {
    const p = await openPage(context);
    await p.getByTestId('run').click();
    await waitForText(p, 'run-status', 'done');
    const download = p.waitForEvent('download');
    await p.getByTestId('export-run').click();
    const file = join(RESULTS, 'controls-run.trace.json');
    await (await download).saveAs(file);
    await p.getByTestId('import-trace').setInputFiles(file);
    await p.getByTestId('import-notice').waitFor();
    await p.getByTestId('run').click();
    await waitForText(p, 'run-status', 'done');
    expect(await p.getByTestId('import-notice').count()).toBe(0);
    await p.close();
  }, 120_000);

  it('an empty prompt says it generates from BOS, beside the prompt and in the run status', async () => {
    const p = await openPage(context);
    await p.getByLabel('Prompt', { exact: true }).fill('');
    expect(await p.getByTestId('prompt-note').textContent()).toMatch(/generates from its start token \(BOS\)/);
    await p.getByTestId('run').click();
    await waitForText(p, 'run-status', 'done · from BOS (empty prompt)');
    expect(await tokenIds(p)).toHaveLength(4);
    await p.close();
  }, 120_000);

  it('an unreachable hub is named at Models and at Run, offers the bundled pair, and the header keeps its pair', async () => {
    // huggingface.co does not resolve in this browser: the download fails as it does offline.
    const offline = await launchChromium(['--host-resolver-rules=MAP huggingface.co ~NOTFOUND']);
    try {
      const p = await openPage(offline);
      await p.setViewportSize({ width: 1280, height: 800 });
      await p.getByTestId('run').click();
      await waitForText(p, 'run-status', 'done');
      expect(await p.getByTestId('pair-badge').textContent()).toBe('specdec-draft → specdec-target');
      await p.getByLabel('Draft → target pair').selectOption('smollm2');
      await p.getByTestId('run').click();
      await waitForText(p, 'run-status', 'failed');
      const unreachable = /the Hugging Face hub \(huggingface\.co\) could not be reached/;
      expect(await p.getByTestId('model-error').textContent()).toMatch(unreachable);
      expect(await p.getByTestId('run-error').textContent()).toMatch(unreachable);
      expect(await p.getByTestId('pair-badge').textContent()).toBe('last loaded: specdec-draft → specdec-target');
      expect(await p.getByTestId('backend-badge').textContent()).toMatch(/^WASM · /);
      expect(await p.getByLabel('Prompt', { exact: true }).inputValue()).toBe(PROMPT);
      await p.screenshot({ path: join(RESULTS, 'hub-unreachable.png'), fullPage: true });
      await p.getByTestId('run-use-bundled').click();
      await waitForText(p, 'model-status', 'loaded specdec-draft → specdec-target');
      expect(await p.getByTestId('run-error').count()).toBe(0);
      expect(await p.getByTestId('pair-badge').textContent()).toBe('specdec-draft → specdec-target');
      await p.getByTestId('run').click();
      await waitForText(p, 'run-status', 'done');
      await p.close();
    } finally {
      await closeChromium(offline);
    }
  }, 180_000);
});
