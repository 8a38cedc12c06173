/**
 * `npx tsx bench/responsiveness.ts`: how long the page's main thread is blocked, measured in headless Chromium on the
 * built site and the bundled pair (WASM). A `PerformanceObserver({ type: 'longtask' })` installed before the page's
 * own scripts records every task over 50 ms; the scenarios are
 *
 * - `cold`: a fresh profile opens the page and presses Run with the default settings as soon as the button is there:
 *   long tasks from navigation to the first token on screen, and the time to it;
 * - `run256`: on the loaded page, a 256-token `dyspec:16` run: long tasks from the click to "done";
 * - `compare`: a small comparison (ar, chain:2, dyspec:8; one prompt, 32 tokens): long tasks from the click to its end;
 * - `auto`: a first `dyspec-cal:auto` run on a loaded pair: the status texts seen before its first token.
 *
 * `--site DIR` serves a site built earlier instead of building this tree (before/after figures from one sitting);
 * `--repeats N` opens N fresh browsers; `--only cold,auto,run256,compare` picks scenarios;
 * `--throttle N` slows the page's main thread N times (DevTools' CPU throttling, `Emulation.setCPUThrottlingRate`),
 * to see the stalls a slower or busier machine would have;
 * `--profile FILE` also writes a CPU profile of the main thread during `cold` (Chrome DevTools format).
 * It is a timing measurement: run it on a quiet machine, and compare figures taken in the same sitting only.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { buildSite, closeChromium, launchChromium, RESULTS } from '../tests/e2e/browser';
import { serveSite } from '../tests/e2e/site-server';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    repeats: { type: 'string', default: '1' },
    only: { type: 'string' },
    site: { type: 'string' },
    throttle: { type: 'string', default: '1' },
  },
});

/** Records long tasks and the first token's time in the page (installed before any of the page's scripts). */
const OBSERVER = `
  window.__longtasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  window.__statuses = [];
  const poll = () => {
    const ids = document.querySelector('[data-testid="output"] .tok') !== null;
    if (ids && window.__firstToken === undefined) window.__firstToken = performance.now();
    const status = [...document.querySelectorAll('[data-testid="run-status"], [data-testid="run-phase"]')]
      .map((e) => e.textContent).join(' | ');
    const last = window.__statuses[window.__statuses.length - 1];
    if (!last || last.text !== status) window.__statuses.push({ t: performance.now(), text: status, tokens: ids });
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
`;

interface LongTask {
  start: number;
  duration: number;
}

/** Count, total and max of the long tasks that started in [from, to). */
function summary(tasks: LongTask[], from: number, to: number) {
  const inside = tasks.filter((t) => t.start >= from && t.start < to);
  const max = Math.max(0, ...inside.map((t) => t.duration));
  const total = inside.reduce((s, t) => s + t.duration, 0);
  return { count: inside.length, maxMs: Math.round(max), totalMs: Math.round(total), spanMs: Math.round(to - from) };
}

const tasks = (p: Page): Promise<LongTask[]> =>
  p.evaluate(() => (window as never as { __longtasks: LongTask[] }).__longtasks);
const clock = (p: Page): Promise<number> => p.evaluate(() => performance.now());

async function waitStatus(p: Page, want: string, timeout = 600_000): Promise<void> {
  await p.waitForFunction(
    (w) => {
      const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
      if (text === 'failed') throw new Error(document.body.innerText.slice(0, 1500));
      return text === w;
    },
    want,
    { timeout, polling: 200 },
  );
}

async function cold(ctx: BrowserContext, url: string, profile?: string) {
  const p = await ctx.newPage();
  const rate = Number(values.throttle);
  if (rate > 1) await (await ctx.newCDPSession(p)).send('Emulation.setCPUThrottlingRate', { rate });
  const cdp = profile ? await ctx.newCDPSession(p) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  await p.goto(url); // the default settings (strategy dyspec:16, backend auto, 48 tokens)
  await p.getByTestId('run').click();
  await p.waitForFunction(() => (window as never as { __firstToken?: number }).__firstToken !== undefined, null, {
    timeout: 600_000,
    polling: 100,
  });
  const first = await p.evaluate(() => (window as never as { __firstToken: number }).__firstToken);
  if (cdp) {
    const { profile: cpu } = await cdp.send('Profiler.stop');
    await writeFile(profile!, JSON.stringify(cpu));
  }
  const out = { firstTokenMs: Math.round(first), ...summary(await tasks(p), 0, first) };
  await waitStatus(p, 'done');
  return { page: p, out };
}

async function measuredRun(p: Page, hash: string, start: () => Promise<void>, finished: () => Promise<void>) {
  await p.evaluate((h) => (location.hash = h), hash);
  await p.waitForTimeout(300);
  const from = await clock(p);
  await start();
  await finished();
  return summary(await tasks(p), from, await clock(p));
}

async function main(): Promise<void> {
  // --site: a site built before (to measure an older build in the same sitting); else this tree, built now.
  const site = await serveSite(values.site ?? (await buildSite('/', join(RESULTS, 'resp-site'))), '/');
  const results: Record<string, unknown>[] = [];
  try {
    for (let r = 0; r < Number(values.repeats); r++) {
      const ctx = await launchChromium();
      await ctx.addInitScript(OBSERVER);
      try {
        const { page, out } = await cold(ctx, site.url, values.profile);
        const row: Record<string, unknown> = { cold: out };
        const run = () => page.getByTestId('run').click();
        const wanted = (name: string) => !values.only || values.only.includes(name);
        if (wanted('auto')) {
          // Before any comparison: a benchmark profiles the pair, and this should be the pair's first profile.
          await page.evaluate(() => ((window as never as { __statuses: unknown[] }).__statuses.length = 0));
          row.auto = await measuredRun(page, 'strategy=dyspec-cal:auto&max_tokens=32', run, () =>
            waitStatus(page, 'done'),
          );
          row.autoStatuses = await page.evaluate(() => (window as never as { __statuses: unknown[] }).__statuses);
        }
        if (wanted('run256'))
          row.run256 = await measuredRun(page, 'strategy=dyspec:16&max_tokens=256', run, () =>
            waitStatus(page, 'done'),
          );
        if (wanted('compare')) {
          row.compare = await measuredRun(
            page,
            'compare=ar,chain:2,dyspec:8&max_tokens=32&compare_repeats=1',
            async () => {
              await page.getByRole('tab', { name: 'Compare strategies' }).click();
              await page.getByTestId('compare-run').click();
            },
            async () => {
              await page.waitForFunction(
                () => document.querySelector('[data-testid="compare-status"]')?.textContent === 'done',
                null,
                { timeout: 600_000, polling: 200 },
              );
            },
          );
        }
        console.log(JSON.stringify(row));
        results.push(row);
      } finally {
        await closeChromium(ctx);
      }
    }
  } finally {
    await site.close();
  }
}

await main();
