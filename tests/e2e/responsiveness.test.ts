/**
 * End to end, in headless Chromium on the built site and the bundled pair: the page says what the engine does before
 * the first token (loading, profiling a first `auto` run, a comparison's warm-up), applies streamed steps in batches
 * rather than one React commit per step, and handles a click promptly while a run streams. The assertions are about
 * behaviour, with bounds a slow machine meets; the timings themselves are measured by bench/responsiveness.ts.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, closeChromium, launchChromium, openPlayground, RESULTS } from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/responsive/';
const hashOf = (settings: Record<string, string>): string =>
  new URLSearchParams({
    temperature: '0',
    prompt: 'In the beginning God created',
    chat: '0',
    backend: 'wasm',
    ...settings,
  }).toString();

/**
 * Installed before the page's scripts: every change of the phase line, with whether a token was on screen then, and
 * for each DOM mutation batch of the output, how many step elements it added.
 */
const RECORDER = `
  window.__phases = [];
  window.__stepsPerCommit = [];
  const poll = () => {
    const text = document.querySelector('[data-testid="run-phase"]')?.textContent ?? '';
    const tokens = document.querySelector('[data-testid="output"] .tok') !== null;
    const last = window.__phases[window.__phases.length - 1];
    if (!last || last.text !== text || last.tokens !== tokens) window.__phases.push({ text, tokens });
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
  new MutationObserver((records) => {
    let steps = 0;
    for (const r of records) for (const n of r.addedNodes) if (n instanceof Element && n.matches('span.step')) steps++;
    if (steps > 0) window.__stepsPerCommit.push(steps);
  }).observe(document, { childList: true, subtree: true });
`;

interface PhaseSeen {
  text: string;
  tokens: boolean;
}

let site: SiteServer;
let context: BrowserContext;
const pageErrors: string[] = [];

const openPage = (hash: string): Promise<Page> => openPlayground(context, site.url, hash, pageErrors);

/** Waits until the run status starts with `want` (a failed run fails at once, with the page's text). */
async function waitForRunStatus(p: Page, want: string, timeout = 180_000): Promise<void> {
  await p.waitForFunction(
    (w) => {
      const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
      if (text === 'failed') throw new Error(`the run failed: ${document.body.innerText.slice(0, 2000)}`);
      return text.startsWith(w);
    },
    want,
    { timeout, polling: 100 },
  );
}

const phasesOf = (p: Page): Promise<PhaseSeen[]> =>
  p.evaluate(() => (window as unknown as { __phases: PhaseSeen[] }).__phases);

beforeAll(async () => {
  site = await serveSite(await buildSite(SUB_PATH, join(RESULTS, 'responsive-site')), SUB_PATH);
  context = await launchChromium();
  await context.addInitScript(RECORDER);
}, 180_000);

afterAll(async () => {
  await closeChromium(context);
  await site?.close();
});

describe('a responsive page', () => {
  it('shows loading and profiling progress before the first token of a first auto run', async () => {
    const p = await openPage(hashOf({ strategy: 'dyspec-cal:auto', max_tokens: '16' }));
    await p.getByTestId('run').click();
    await waitForRunStatus(p, 'done');
    const before = (await phasesOf(p)).filter((s) => !s.tokens).map((s) => s.text);
    expect(before.some((t) => /^loading models/.test(t))).toBe(true);
    const target = before.filter((t) => /^profiling target t\(n\) \d+\/\d+$/.test(t));
    const draft = before.filter((t) => /^profiling draft t\(n\) \d+\/\d+$/.test(t));
    expect(target.length).toBeGreaterThan(0);
    expect(draft.length).toBeGreaterThan(0);
    // Counts go up: "i/N" with i < N as the profile proceeds.
    const done = target.map((t) => Number(/(\d+)\/(\d+)$/.exec(t)![1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // Once tokens show, the line is empty (the profile is not measured again for the rest of the run).
    const after = (await phasesOf(p)).filter((s) => s.tokens);
    expect(after.every((s) => !s.text.startsWith('profiling'))).toBe(true);
    await p.close();
  }, 240_000);

  it("shows a comparison's warm-up rounds in the same line", async () => {
    const p = await openPage(hashOf({ compare: 'ar,chain:2', max_tokens: '8', compare_repeats: '1' }));
    await p.getByRole('tab', { name: 'Compare strategies' }).click();
    await p.getByTestId('compare-run').click();
    await p.waitForFunction(
      () => document.querySelector('[data-testid="compare-status"]')?.textContent === 'done',
      null,
      {
        timeout: 240_000,
        polling: 100,
      },
    );
    const texts = (await phasesOf(p)).map((s) => s.text);
    expect(texts).toContain('warming up (round 1)');
    expect(texts.at(-1)).toBe('');
    await p.close();
  }, 300_000);

  it('applies steps that arrive while the main thread is busy in one commit, not one commit each', async () => {
    const p = await openPage(hashOf({ strategy: 'ar', max_tokens: '600' }));
    await p.getByTestId('run').click();
    await p.waitForSelector('[data-testid="output"] .tok', { timeout: 180_000 });
    // Keep the main thread busy while the engine streams steps in its worker: they queue as messages meanwhile.
    await p.evaluate(() => {
      const t = performance.now();
      while (performance.now() - t < 600);
    });
    await waitForRunStatus(p, 'done');
    const perCommit = await p.evaluate(() => (window as unknown as { __stepsPerCommit: number[] }).__stepsPerCommit);
    const steps = await p.locator('[data-testid="output"] span.step').count();
    expect(perCommit.reduce((a, b) => a + b, 0)).toBe(steps); // every step element counted once
    expect(Math.max(...perCommit)).toBeGreaterThan(1); // the queued steps came in together
    expect(perCommit.length).toBeLessThan(steps);
    await p.close();
  }, 240_000);

  it('runs a click handler within a second while a long run streams', async () => {
    const p = await openPage(hashOf({ strategy: 'dyspec:16', max_tokens: '600' }));
    await p.evaluate(() => {
      const probe = document.createElement('button');
      probe.id = 'probe';
      probe.textContent = 'probe';
      probe.style.cssText = 'position:fixed;top:0;right:0;z-index:9';
      (window as unknown as { __delays: number[] }).__delays = [];
      // timeStamp: when the input reached the page; the handler runs once the main thread gets to it.
      probe.addEventListener('click', (e) =>
        (window as unknown as { __delays: number[] }).__delays.push(performance.now() - e.timeStamp),
      );
      document.body.append(probe);
    });
    await p.getByTestId('run').click();
    await p.waitForSelector('[data-testid="output"] .tok', { timeout: 180_000 });
    for (let i = 0; i < 5; i++) {
      await p.locator('#probe').click();
      await p.waitForTimeout(150);
    }
    const delays = await p.evaluate(() => (window as unknown as { __delays: number[] }).__delays);
    expect(delays).toHaveLength(5);
    expect(Math.max(...delays)).toBeLessThan(1000);
    // The clicks landed while the run was still streaming, not after it.
    expect(await p.getByTestId('run-status').textContent()).not.toMatch(/^done/);
    await waitForRunStatus(p, 'done');
    await p.close();
  }, 240_000);

  it('threw no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
