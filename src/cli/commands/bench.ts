/** `bench`: every strategy on every prompt in one process; JSON rows plus a readable table. */
import { int, list, Opt, text, UsageError } from '../args';
import { DEFAULT_WARMUP, runBenchmark, type BenchProgress } from '../../core/benchmark/protocol';
import { summariseBench, type AutoComparison, type BenchRow } from '../../core/benchmark/summary';
import { optionsCommand } from '../command';
import { explainRows } from '../../core/explain';
import { checkWritable, writeJsonFile } from '../io';
import { formatMachine, machineInfo } from '../machine';
import { modelOptions, samplingOptions, seedOption, strategyOption, toSamplingParams } from '../options';
import { readPrompts } from '../prompts';
import { openDatastore } from '../datastore';
import { Runner } from '../runner';
import { formatTable } from '../table';

/** `--auto-sweep 4,8,16` or `none`. */
const sweepOption = Opt.of(
  (raw, flag) => {
    if (raw.trim().toLowerCase() === 'none') return [];
    return list('LIST', '')
      .parse(raw, flag)
      .map((s) => {
        if (!/^\d+$/.test(s) || Number(s) < 1)
          throw new UsageError(`${flag} expects budgets >= 1 or 'none', got '${s}'`);
        return Number(s);
      });
  },
  'LIST',
  "budgets run next to each auto strategy to compare its choice with ('none' to skip)",
).default([1, 2, 4, 8, 16, 32]);

const OPTIONS = {
  strategies: list('LIST', 'comma-separated strategies (ar is added when missing)').required(),
  prompts: text('FILE', 'prompts: .jsonl ({"prompt": ...} per line) or text (one per line)').required(),
  maxNewTokens: int('N', 'new tokens per prompt at most', 1).default(64),
  ...samplingOptions(0),
  seed: seedOption,
  ...modelOptions,
  limit: int('K', 'use only the first K prompts', 1),
  autoSweep: sweepOption,
  repeats: int('R', 'times every (prompt, strategy) runs', 1).default(1),
  warmupTokens: int('N', 'tokens of each warm-up run (rounds repeat until the step time is stable)', 1).default(16),
  out: text('FILE', 'where to write { machine, rows, ... }').required(),
};

const SUMMARY =
  "Runs the benchmark protocol of docs/design.md (the one the page's comparison runs): warm-up rounds until the " +
  'step time is stable, then every strategy on every prompt, the order rotated per prompt, R repeats; writes ' +
  '{ machine, settings, rows, auto, protocol, profile } with paired bootstrap intervals over the prompts.';

/** The `bench` command. */
export const benchCommand = optionsCommand({
  name: 'bench',
  summary: 'run strategies on a prompt set; speedups, acceptance, time split, auto vs sweep',
  help: SUMMARY,
  options: OPTIONS,
  async run(o, { io, loader }) {
    const check = strategyOption('');
    const strategies = o.strategies.map((s) => check.parse(s, '--strategies'));
    const params = toSamplingParams(o);
    // Before loading anything: a long bench must not be lost at the end to a bad --out path.
    await checkWritable(o.out, '--out');
    const prompts = (await readPrompts(o.prompts)).slice(0, o.limit ?? Infinity);
    const pair = await loader.pair(o.draft, o.target, o.threads);
    const machine = machineInfo(pair.target.backend);
    io.err(formatMachine(machine));
    const log = (line: string): void => io.err(line);
    const runner = new Runner(pair, log, openDatastore(o.datastore, o.target, pair, log));
    const record = await runBenchmark(
      runner,
      {
        strategies,
        prompts: prompts.map((p) => pair.tokenizer.encode(p.text)),
        maxNewTokens: o.maxNewTokens,
        params,
        seed: o.seed,
        autoSweep: o.autoSweep,
        repeats: o.repeats,
        warmup: { ...DEFAULT_WARMUP, tokens: Math.min(o.warmupTokens, o.maxNewTokens) },
      },
      { onProgress: (p) => progressLine(p, prompts.length, o.repeats, log) },
    );
    const result = summariseBench(record, { params, seed: o.seed });
    const settings = {
      strategies,
      auto_sweep: o.autoSweep,
      prompts_file: o.prompts,
      ...(o.datastore ? { datastore: o.datastore } : {}),
      prompts: prompts.length,
      repeats: o.repeats,
      max_new_tokens: o.maxNewTokens,
      ...params,
      seed: o.seed,
      draft: { id: pair.draft.id, hash: pair.draft.hash },
      target: { id: pair.target.id, hash: pair.target.hash },
    };
    const explanation = explainRows(result);
    await writeJsonFile(o.out, { machine, settings, ...result, explanation });
    io.out(`${formatMachine(machine)}\n`);
    const { warmup } = result.protocol;
    io.out(
      `${prompts.length} prompts x ${o.repeats} repeats x ${o.maxNewTokens} tokens, T = ${params.temperature}, ` +
        `top-p ${params.topP}, seed ${o.seed}; warm-up ${warmup.rounds} rounds (${warmup.stable ? 'stable' : 'not stable'})\n\n`,
    );
    io.out(formatBenchTable(result.rows));
    if (result.rows.some((r) => r.added))
      io.out('* added by the bench (the ar baseline, or the sweep next to an auto strategy)\n');
    for (const line of formatAuto(result.auto)) io.out(`${line}\n`);
    const verdicts = explanation.filter((e) => e.verdict);
    if (verdicts.length) io.out('\nwhy slower than ar (in units of an ar step; see `project` for other hardware):\n');
    for (const e of verdicts) io.out(`  ${e.strategy}: ${e.verdict}\n`);
    return 0;
  },
});

/** A stderr line for the protocol's progress: profiling, each warm-up round, each finished unit. */
function progressLine(p: BenchProgress, prompts: number, repeats: number, log: (line: string) => void): void {
  if (p.phase === 'profile') log('profiling draft and target again, on the warm engine ...');
  else if (p.phase === 'warmup') log(`warm-up round ${p.round}: ${p.msPerToken.toFixed(2)} ms/token`);
  else if (p.done % (p.total / (prompts * repeats)) === 0)
    log(`prompt ${p.run.prompt + 1}/${prompts}, repeat ${p.run.repeat + 1}/${repeats} done`);
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** `low-high` of an interval. */
const interval = ([low, high]: [number, number], show: (v: number) => string): string => `${show(low)}-${show(high)}`;

/** The readable table of bench rows. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  return formatTable(
    [
      'strategy',
      'tau',
      'tok/s',
      'speedup',
      '95% CI',
      'draft_n',
      'accepted',
      'steps',
      'tree',
      'draft',
      'verify',
      'overhead',
      'eff',
      'greedy=',
    ],
    rows.map((r) => [
      r.strategy + (r.added ? ' *' : ''),
      r.mean_acceptance_length.toFixed(2),
      r.tokens_per_second.toFixed(1),
      `${r.speedup_vs_ar.toFixed(2)}x`,
      interval(r.speedup_ci95, (v) => v.toFixed(2)),
      String(r.draft_n),
      String(r.draft_n_accepted),
      String(r.verify_steps),
      r.mean_tree_size.toFixed(1),
      pct(r.time_share.draft),
      pct(r.time_share.verify),
      pct(r.overhead_share),
      r.efficiency === null ? '-' : r.efficiency.toFixed(2),
      r.greedy_identical === null ? '-' : r.greedy_identical ? 'yes' : 'NO',
    ]),
  );
}

/** Lines comparing each auto strategy with its sweep. */
export function formatAuto(auto: readonly AutoComparison[]): string[] {
  const lines: string[] = [];
  for (const a of auto) {
    const counts = new Map<number, number>();
    for (const b of a.chosen_budgets) counts.set(b, (counts.get(b) ?? 0) + 1);
    const chosen = [...counts.entries()].map(([b, n]) => `${b} (x${n})`).join(', ');
    lines.push(
      `${a.strategy}: chose ${chosen}; speedup ${a.speedup_vs_ar.toFixed(2)}x vs best sweep ${a.best_sweep_strategy} ` +
        `${a.best_sweep_speedup.toFixed(2)}x = ${pct(a.ratio)} (95% CI ${interval(a.ratio_ci95, pct)})`,
    );
    const best = a.vs_best;
    lines.push(
      `  vs the best of ar and the sweep, ${best.strategy}: ${pct(best.ratio)} ` +
        `(95% CI ${interval(best.ratio_ci95, pct)}; target >= 97%)`,
    );
    for (const [label, c] of [
      ['best chain', a.vs_best_chain],
      ['best fixed tree', a.vs_best_fixed_tree],
    ] as const) {
      if (!c) continue;
      const ratio = (v: number) => `${v.toFixed(2)}x`;
      lines.push(
        `  vs ${label} ${c.strategy} ${ratio(c.speedup_vs_ar)}: ${ratio(c.ratio)} (95% CI ${interval(c.ratio_ci95, ratio)})`,
      );
    }
  }
  return lines;
}
