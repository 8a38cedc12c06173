/**
 * Rewrites the bench tables in README.md from the bench/results-*.json files, so the README shows exactly what the
 * last bench runs wrote (the command line is rebuilt from each file's settings). Each table sits between
 * `<!-- bench: FILE -->` and `<!-- /bench -->` in the README.
 *
 *   npx tsx bench/readme-tables.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AutoComparison, BenchRow } from '../src/core/benchmark/summary';
import type { MachineInfo } from '../src/cli/machine';

interface BenchFile {
  machine: MachineInfo & { browser?: string };
  settings: {
    strategies: string[];
    auto_sweep: number[];
    temperature: number;
    max_new_tokens: number;
    prompts_file: string;
    prompts?: number;
    repeats?: number;
    seed?: number;
    datastore?: string;
    /** Set by bench/browser.ts: the page ran it. */
    runner?: string;
  };
  rows: BenchRow[];
  auto: AutoComparison[];
}

const FILES = [
  'bench/results-t0.json',
  'bench/results-t0.8.json',
  'bench/results-page-t0.json',
  'bench/results-page-t0.8.json',
  'bench/results-sources-t0.json',
  'bench/results-sources-t0.8.json',
  'bench/results-reuse-t0.json',
  'bench/results-reuse-t0.8.json',
];
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The command, the machine line, the table and the auto lines of one bench file, as the README shows them. */
function section(file: string): string {
  const { machine: m, settings: s, rows, auto } = JSON.parse(readFileSync(file, 'utf8')) as BenchFile;
  const greedy = s.temperature === 0;
  const datastore = s.datastore ? ` --datastore ${s.datastore}` : '';
  const page = s.runner?.startsWith('page') ?? false;
  const units =
    (s.prompts !== undefined ? ` --limit ${s.prompts}` : '') +
    (s.repeats !== undefined && s.repeats > 1 ? ` --repeats ${s.repeats}` : '') +
    (page && s.seed !== undefined ? ` --seed ${s.seed}` : '');
  const command =
    `${page ? 'npm run bench:browser --' : 'npm run cli -- bench'} --strategies ${s.strategies.join(',')} ` +
    `--auto-sweep ${s.auto_sweep.join(',')} --prompts ${s.prompts_file}${units}${datastore} ` +
    `--max-new-tokens ${s.max_new_tokens} --temperature ${s.temperature} --out ${file}`;
  const threads = `${m.threads} thread${m.threads === 1 ? '' : 's'}`;
  const where = m.browser ? `Chromium ${m.browser}` : `node ${m.node}, ${m.backend} x${threads}`;
  const head = ['strategy', 'tau', 'tok/s', 'speedup', 'speedup 95% CI', 'tree', 'draft', 'verify', 'overhead', 'eff'];
  if (greedy) head.push('= ar');
  const lines = [
    `T = ${s.temperature}: \`${command}\``,
    '',
    `machine: ${m.cpu} (${m.cores} cores, ${m.memory_gb} GB), ${where}`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---|').join('')}`,
  ];
  for (const r of rows) {
    const cells = [
      `\`${r.strategy}\`${r.added ? ' *' : ''}`,
      r.mean_acceptance_length.toFixed(2),
      r.tokens_per_second.toFixed(1),
      `${r.speedup_vs_ar.toFixed(2)}x`,
      r.speedup_ci95.map((v) => v.toFixed(2)).join('-'),
      r.mean_tree_size.toFixed(1),
      pct(r.time_share.draft),
      pct(r.time_share.verify),
      pct(r.overhead_share),
      r.efficiency === null ? '-' : r.efficiency.toFixed(2),
    ];
    if (greedy) cells.push(r.greedy_identical ? 'yes' : 'NO');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', '\\* sweep rows the bench adds next to an `auto` strategy.');
  for (const a of auto) {
    const counts = new Map<number, number>();
    for (const b of a.chosen_budgets) counts.set(b, (counts.get(b) ?? 0) + 1);
    const chosen = [...counts].sort((x, y) => y[1] - x[1]).map(([b, n]) => `${b} (${n} steps)`);
    // Files written before the protocol compared auto with `ar` too have no vs_best.
    const vsBest = a.vs_best as AutoComparison['vs_best'] | undefined;
    const best = vsBest
      ? `; against the best of \`ar\` and the sweep, \`${vsBest.strategy}\`: ${pct(vsBest.ratio)} ` +
        `(95% CI ${vsBest.ratio_ci95.map(pct).join('-')}; target >= 97%)`
      : '';
    lines.push(
      `\`${a.strategy}\` chose ${chosen.join(', ')}: ${a.speedup_vs_ar.toFixed(2)}x vs the best sweep budget ` +
        `\`${a.best_sweep_strategy}\` ${a.best_sweep_speedup.toFixed(2)}x = ${pct(a.ratio)} ` +
        `(95% CI ${a.ratio_ci95.map(pct).join('-')})${best}.`,
    );
    for (const [label, c] of [
      ['chain', a.vs_best_chain],
      ['fixed tree', a.vs_best_fixed_tree],
    ] as const) {
      if (!c) continue;
      const ci = c.ratio_ci95.map((v) => v.toFixed(2)).join('-');
      lines.push(
        `Against the fastest ${label}, \`${c.strategy}\` ${c.speedup_vs_ar.toFixed(2)}x: ${c.ratio.toFixed(2)}x ` +
          `(95% CI ${ci}).`,
      );
    }
  }
  return lines.join('\n');
}

let readme = readFileSync('README.md', 'utf8');
for (const file of FILES) {
  const open = `<!-- bench: ${file} -->`;
  const start = readme.indexOf(open);
  const end = readme.indexOf('<!-- /bench -->', start);
  if (start < 0 || end < 0) throw new Error(`README has no section ${open} ... <!-- /bench -->`);
  readme = `${readme.slice(0, start)}${open}\n\n${section(file)}\n\n${readme.slice(end)}`;
}
writeFileSync('README.md', readme);
