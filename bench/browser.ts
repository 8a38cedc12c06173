/**
 * `npm run bench:browser`: the benchmark in the real page. Builds the site, serves it with COOP/COEP (WASM threads),
 * opens it in headless Chromium on the bundled pair, runs "Compare strategies" (core's benchmark protocol, in the
 * page's Web Worker) and writes the page's result document next to the CLI's: the same fields as `cli bench`'s JSON,
 * so bench/readme-tables.ts renders both.
 *
 *   npm run bench:browser -- --strategies ar,chain:2,dyspec-cal:auto --prompts bench/prompts.jsonl --limit 6 \
 *     --max-new-tokens 64 --temperature 0 --repeats 1 --auto-sweep 1,2,4,8 --out bench/results-page-t0.json
 *
 * Run it on a quiet machine (nothing else heavy running): it is a timing measurement.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/cli/machine';
import { readPrompts } from '../src/cli/prompts';
import { buildSite, closeChromium, launchChromium, RESULTS } from '../tests/e2e/browser';
import { serveSite } from '../tests/e2e/site-server';

const SUB_PATH = '/';

const { values } = parseArgs({
  options: {
    strategies: { type: 'string' },
    prompts: { type: 'string', default: 'bench/prompts.jsonl' },
    limit: { type: 'string' },
    'max-new-tokens': { type: 'string', default: '64' },
    temperature: { type: 'string', default: '0' },
    'top-p': { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '1' },
    'auto-sweep': { type: 'string', default: '' },
    out: { type: 'string' },
    'timeout-min': { type: 'string', default: '60' },
  },
});

function required(name: 'strategies' | 'out'): string {
  const v = values[name];
  if (!v) throw new Error(`--${name} is required (see the header of bench/browser.ts)`);
  return v;
}

async function main(): Promise<void> {
  const strategies = required('strategies');
  const out = required('out');
  const all = await readPrompts(values.prompts!);
  const prompts = all.slice(0, values.limit ? Number(values.limit) : Infinity);
  for (const p of prompts) {
    if (p.text.includes('\n'))
      throw new Error(`${values.prompts}:${p.line}: the page takes one prompt per line; use --limit to leave it out`);
  }
  const settings = {
    strategies: strategies.split(','),
    auto_sweep: values['auto-sweep']!.split(',').filter(Boolean).map(Number),
    prompts_file: values.prompts!,
    prompts: prompts.length,
    repeats: Number(values.repeats),
    max_new_tokens: Number(values['max-new-tokens']),
    temperature: Number(values.temperature),
    topP: Number(values['top-p']),
    topK: 0,
    seed: Number(values.seed),
    runner: 'page (headless Chromium, Web Worker)',
  };
  const hash = new URLSearchParams({
    backend: 'wasm',
    chat: '0',
    temperature: String(settings.temperature),
    top_p: String(settings.topP),
    top_k: '0',
    seed: String(settings.seed),
    max_tokens: String(settings.max_new_tokens),
    compare: strategies,
    compare_prompts: prompts.map((p) => p.text).join('\n'),
    compare_repeats: String(settings.repeats),
    compare_sweep: values['auto-sweep']!,
  });

  const site = await serveSite(await buildSite(SUB_PATH, join(RESULTS, 'bench-site')), SUB_PATH);
  const context = await launchChromium();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${site.url}#${hash.toString()}`);
    await page.getByRole('tab', { name: 'Compare strategies' }).click();
    await page.getByTestId('compare-run').click();
    let last = '';
    const deadline = Date.now() + Number(values['timeout-min']) * 60_000;
    for (;;) {
      const status = (await page.getByTestId('compare-status').textContent()) ?? '';
      if (status !== last) console.error(`page: ${(last = status)}`);
      if (status === 'done') break;
      if (status === 'error' || status === 'stopped' || errors.length > 0 || Date.now() > deadline) {
        const alert = await page.locator('[role="alert"]').allTextContents();
        throw new Error(`the comparison ended "${status}": ${[...alert, ...errors].join('; ') || 'timed out'}`);
      }
      await page.waitForTimeout(500);
    }
    const download = page.waitForEvent('download');
    await page.getByTestId('export-bench').click();
    const saved = join(RESULTS, 'bench-page.json');
    await (await download).saveAs(saved);
    const doc = JSON.parse(await readFile(saved, 'utf8')) as Record<string, unknown>;
    const backend = (await page.getByTestId('backend-badge').textContent()) ?? '';
    const threads = Number(/(\d+) threads?/.exec(backend)?.[1] ?? NaN);
    const machine = {
      ...machineInfo({ backend: 'wasm', threads, fp16: false, fallbackReason: null }),
      browser: `${context.browser()?.version() ?? 'chromium'} (headless), ${backend.trim()}`,
    };
    const { settings: _pageSettings, ...result } = doc;
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ machine, settings, ...result }, null, 2)}\n`);
    console.error(`wrote ${out}`);
  } finally {
    await closeChromium(context);
    await site.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
