/**
 * Layout end to end, in headless Chromium on the built site, at a desktop (1280x800) and a phone (390x844) size:
 * the token tree of every step of a page's first run fits its panel (the drawing, every node and the bonus inside
 * it; every legend entry whole), pan/zoom and "Fit" work, and the Compare view with its table is no wider than the
 * viewport. Screenshots go to test-results/e2e/layout-*.png.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, closeChromium, launchChromium, RESULTS } from './browser';
import { serveSite, type SiteServer } from './site-server';

const SUB_PATH = '/layout/';
/** A deep dynamic tree (up to 16 draft nodes a step) with full-length labels: wider than a phone at full size. */
const HASH = new URLSearchParams({
  strategy: 'dyspec:16',
  temperature: '0',
  top_p: '1',
  seed: '1',
  max_tokens: '24',
  prompt: 'In the beginning God created',
  chat: '0',
  backend: 'wasm',
  compare: 'ar,chain:2',
  compare_repeats: '1',
  compare_prompts: '',
}).toString();

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

let site: SiteServer;
let context: BrowserContext;
const pageErrors: string[] = [];

/** Waits until the status element `testId` reads `want` (failing at once on `failed`). */
async function waitForStatus(p: Page, testId: string, want: string, timeout = 180_000): Promise<void> {
  await p.waitForFunction(
    ([id, text]) => {
      const now = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      if (now === 'failed' || now === 'error') throw new Error(`${id}: ${document.body.innerText.slice(0, 2000)}`);
      return now === text;
    },
    [testId, want] as const,
    { timeout, polling: 100 },
  );
}

/** A box as the browser lays it out. */
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** What the tree view of the step on screen occupies: the panel, the SVG, its nodes and its legend entries. */
async function treeBoxes(p: Page): Promise<{ panel: Rect; svg: Rect; nodes: Rect[]; legend: Rect[]; bonus: number }> {
  return p.evaluate(() => {
    const rect = (el: Element) => {
      const b = el.getBoundingClientRect();
      return { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
    };
    const svg = document.querySelector('[data-testid="tree-box"] svg.tree-view-svg')!;
    return {
      panel: rect(document.querySelector('section.run-view')!),
      svg: rect(svg),
      nodes: Array.from(svg.querySelectorAll('g.node circle')).map(rect),
      legend: Array.from(svg.querySelectorAll('g.legend-item')).map(rect),
      bonus: svg.querySelectorAll('g.node.node-bonus').length,
    };
  });
}

/** `inner` lies inside `outer` (half a pixel of rounding allowed). */
function expectInside(inner: Rect, outer: Rect, what: string): void {
  const slack = 0.5;
  expect(inner.left, `${what}: left`).toBeGreaterThanOrEqual(outer.left - slack);
  expect(inner.right, `${what}: right`).toBeLessThanOrEqual(outer.right + slack);
  expect(inner.top, `${what}: top`).toBeGreaterThanOrEqual(outer.top - slack);
  expect(inner.bottom, `${what}: bottom`).toBeLessThanOrEqual(outer.bottom + slack);
}

/** Checks the tree on screen: SVG in its panel, every node (bonus included) and legend entry inside the SVG. */
async function expectTreeFits(p: Page, label: string): Promise<void> {
  const boxes = await treeBoxes(p);
  expectInside(boxes.svg, boxes.panel, `${label}: the tree's SVG in its panel`);
  expect(boxes.bonus, label).toBe(1);
  expect(boxes.nodes.length, label).toBeGreaterThan(1);
  boxes.nodes.forEach((n, i) => expectInside(n, boxes.svg, `${label}: node ${i}`));
  expect(boxes.legend.length, label).toBeGreaterThanOrEqual(6);
  boxes.legend.forEach((l, i) => expectInside(l, boxes.svg, `${label}: legend entry ${i}`));
}

/** The document is no wider than the viewport (nothing sticks out sideways). */
async function expectNoSideScroll(p: Page, label: string): Promise<void> {
  const { scroll, viewport } = await p.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(scroll, `${label}: document width at a ${viewport} px viewport`).toBeLessThanOrEqual(viewport);
}

beforeAll(async () => {
  const outDir = await buildSite(SUB_PATH, join(RESULTS, 'layout-site'));
  site = await serveSite(outDir, SUB_PATH);
  context = await launchChromium();
  await mkdir(RESULTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await closeChromium(context);
  await site?.close();
});

describe.each(VIEWPORTS)('the page at $width x $height', (viewport) => {
  let page: Page;
  const name = `${viewport.width}x${viewport.height}`;

  it('fits the token tree of every step of the first run to its panel, legend whole', async () => {
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.setViewportSize(viewport);
    await page.goto(`${site.url}#${HASH}`);
    await page.getByTestId('run').click();
    await waitForStatus(page, 'run-status', 'done');
    await page.emulateMedia({ reducedMotion: 'reduce' }); // later steps are drawn without transitions
    await page.waitForTimeout(400); // the last step's transition
    await expectTreeFits(page, `${name}, last step`);
    await expectNoSideScroll(page, `${name}, run view`);
    await page.screenshot({ path: join(RESULTS, `layout-run-${name}.png`), fullPage: true });

    const slider = page.locator('.scrubber input[type="range"]');
    const count = Number(await slider.getAttribute('max')) + 1;
    expect(count).toBeGreaterThan(1);
    for (let i = 0; i < count; i++) {
      await slider.fill(String(i));
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="step-shown"]')?.textContent === n,
        String(i + 1),
      );
      await expectTreeFits(page, `${name}, step ${i + 1}`);
    }
  }, 240_000);

  it('zooms in with the button and shows the whole tree again with “Fit”', async () => {
    const fit = await page.getByTestId('tree-zoom').textContent();
    await page.getByRole('button', { name: 'Zoom in on the tree' }).click();
    await page.getByRole('button', { name: 'Zoom in on the tree' }).click();
    expect(await page.getByTestId('tree-zoom').textContent()).not.toBe(fit);
    expect(await page.getByTestId('tree-fit').isEnabled()).toBe(true);
    await page.getByTestId('tree-fit').click();
    expect(await page.getByTestId('tree-zoom').textContent()).toBe(fit);
    await expectTreeFits(page, `${name}, after Fit`);
  }, 60_000);

  it('keeps the Compare view, table included, within the viewport', async () => {
    await page.getByRole('tab', { name: 'Compare strategies' }).click();
    await page.getByTestId('compare-run').click();
    await waitForStatus(page, 'compare-status', 'done');
    expect(await page.locator('[data-testid="compare-table"] tbody tr').count()).toBe(2);
    await expectNoSideScroll(page, `${name}, compare view`);
    // The table itself scrolls inside its box where it is wider than the panel.
    const scroll = await page.evaluate(() => {
      const box = document.querySelector('.table-scroll')!;
      const panel = document.querySelector('section.compare-panel')!.getBoundingClientRect();
      return { right: box.getBoundingClientRect().right, panelRight: panel.right };
    });
    expect(scroll.right).toBeLessThanOrEqual(scroll.panelRight + 0.5);
    await page.screenshot({ path: join(RESULTS, `layout-compare-${name}.png`), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
