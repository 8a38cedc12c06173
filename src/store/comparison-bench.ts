/**
 * The comparison's figures: core's benchmark summary (core/benchmark/summary.ts, the document `cli bench` writes)
 * over the runs the page holds. Live comparisons carry where each run sat in the protocol (prompt, repeat, order);
 * a replayed trace does not, so its prompts are numbered by first appearance and its repeats by count. One function
 * for both, so a figure the page shows is the CLI's arithmetic on the same runs.
 */
import type { BenchRecord, MeasuredRun, PlannedStrategy } from '../core/benchmark/protocol';
import { summariseBench, type BenchResult } from '../core/benchmark/summary';
import type { SamplingParams } from '../core/sampling';
import { parseStrategy, type Strategy } from '../core/strategy';
import type { RunView } from './run-slice';

/** What the page can say about a comparison's runs. */
export interface ComparisonBench {
  /** Null when no row can be computed yet (no complete unit with an `ar` run). */
  result: BenchResult | null;
  /** Why there is no result, or what was left out. */
  note: string | null;
}

/** Warm-up as the page saw it (rounds reported by the engine); traces carry none. */
export interface WarmupSeen {
  rounds: number;
  msPerToken: number[];
  stable: boolean;
}

/** Summarises the runs (see the file comment); `added` names the rows the protocol added. */
export function comparisonBench(
  runs: readonly RunView[],
  options: { added?: ReadonlySet<string>; warmup?: WarmupSeen; stopped?: boolean } = {},
): ComparisonBench {
  const parsed = new Map<string, Strategy>();
  const unparsed = new Set<string>();
  for (const r of runs) {
    if (parsed.has(r.strategy) || unparsed.has(r.strategy)) continue;
    try {
      parsed.set(r.strategy, parseStrategy(r.strategy));
    } catch {
      unparsed.add(r.strategy); // a trace from another tool may name strategies outside the grammar
    }
  }
  const usable = runs.filter((r) => parsed.has(r.strategy));
  const left = unparsed.size > 0 ? `left out (not in the strategy grammar): ${[...unparsed].join(', ')}` : null;
  if (![...parsed.values()].some((s) => s.kind === 'ar'))
    return { result: null, note: usable.length > 0 ? 'no ar runs: speedups are measured against them' : left };
  const plans: PlannedStrategy[] = [...parsed].map(([text, strategy]) => ({
    text,
    strategy,
    added: options.added?.has(text) ?? false,
  }));
  const record = recordOf(plans, usable, options);
  const result = summarised(record, { params: paramsOf(usable[0]), seed: usable[0].settings.seed });
  if (result.protocol.complete_units === 0) return { result: null, note: 'no prompt has a run of every strategy yet' };
  return { result, note: left };
}

/**
 * The last summary and what it was computed from. A live comparison re-summarises on every finished run, and the
 * summary (2000 bootstrap resamples per row) reads only the units every strategy has finished: a run that completes
 * no unit leaves it as it was, so it is kept instead of recomputed, and the page pays once per unit, not per run.
 */
let last: { key: string; result: BenchResult } | null = null;

function summarised(record: BenchRecord, options: { params: SamplingParams; seed: number }): BenchResult {
  const key = summaryKey(record, options);
  if (last?.key !== key) last = { key, result: summariseBench(record, options) };
  return last.result;
}

/** Ids of the run objects seen, so that a key names runs by identity (a RunView is never changed in place). */
const runIds = new WeakMap<object, number>();
let nextRunId = 1;
const idOf = (o: object): number => {
  let id = runIds.get(o);
  if (id === undefined) runIds.set(o, (id = nextRunId++));
  return id;
};

/**
 * Everything summariseBench reads: the plans, the record's shape and settings, and the runs of the complete units
 * (a unit is complete when every plan has a run in it; the summary leaves the other runs out).
 */
function summaryKey(record: BenchRecord, options: { params: SamplingParams; seed: number }): string {
  const byUnit = new Map<string, Set<string>>();
  for (const r of record.runs) {
    const unit = `${r.prompt}/${r.repeat}`;
    byUnit.set(unit, (byUnit.get(unit) ?? new Set()).add(r.strategy));
  }
  const counted = record.runs
    .filter((r) => byUnit.get(`${r.prompt}/${r.repeat}`)!.size === record.plans.length)
    .map((r) => {
      const { steps, tokens, wallMs } = r.outcome; // the run's own arrays, shared with its RunView
      return `${idOf(steps)}.${idOf(tokens)}:${r.strategy}@${r.prompt}/${r.repeat}/${r.order}/${wallMs}`;
    });
  return JSON.stringify([
    record.plans.map((p) => [p.text, p.added]),
    record.prompts,
    record.repeats,
    record.warmup,
    record.stopped,
    options,
    counted,
  ]);
}

/** The protocol record the runs amount to. */
function recordOf(
  plans: PlannedStrategy[],
  runs: readonly RunView[],
  options: { warmup?: WarmupSeen; stopped?: boolean },
): BenchRecord {
  const promptIndex = new Map<string, number>();
  const seen = new Map<string, number>();
  const measured = runs.map((run): MeasuredRun => {
    if (!promptIndex.has(run.promptText)) promptIndex.set(run.promptText, promptIndex.size);
    const prompt = run.position?.prompt ?? promptIndex.get(run.promptText)!;
    const key = `${run.strategy}\u0000${prompt}`;
    const repeat = run.position?.repeat ?? seen.get(key) ?? 0;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const wallMs = run.elapsedMs ?? run.steps.reduce((t, s) => t + s.timings.total, 0);
    return {
      strategy: run.strategy,
      prompt,
      repeat,
      order: run.position?.order ?? 0,
      outcome: {
        tokens: run.tokens,
        steps: run.steps,
        stopReason: 'max_tokens',
        resolved: run.resolvedStrategy ?? run.strategy,
        chosenBudgets: run.chosenBudgets ?? [],
        wallMs,
      },
    };
  });
  const prompts = 1 + Math.max(0, ...measured.map((r) => r.prompt));
  const repeats = 1 + Math.max(0, ...measured.map((r) => r.repeat));
  return {
    plans,
    runs: measured,
    prompts,
    repeats,
    warmup: options.warmup ?? { rounds: 0, msPerToken: [], stable: false },
    sequoiaAcceptance: [],
    profile: { target: null, draft: null },
    stopped: options.stopped ?? false,
  };
}

function paramsOf(run: RunView) {
  return { temperature: run.settings.temperature, topP: run.settings.topP, topK: run.settings.topK };
}
