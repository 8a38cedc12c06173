/**
 * The benchmark's result document (field names as vLLM's spec-decode metrics): one row per strategy over the
 * complete units of a protocol run (protocol.ts), speedups against the `ar` runs of the same units, and paired
 * bootstrap intervals (bootstrap.ts). `cli bench` writes it; the page computes it from the same runs.
 *
 * Bootstrap units are the prompts (each prompt's repeats pooled), so an interval covers another draw of prompts of
 * the same kind plus timing noise; with one prompt the units are its repeats (timing noise only).
 */
import { bootstrapResamples, ratioInterval, type PromptRun } from '../bootstrap';
import { countAcceptanceByRank, latencyAt, prefixAcceptedCurve, prefixInternalCurve, type RankCounts } from '../budget';
import { computeMetrics, efficiency, type Metrics } from '../metrics';
import type { LatencyProfile } from '../latency';
import type { SamplingParams } from '../sampling';
import type { StepRecord, StepTimings } from '../step';
import { isAutoStrategy, isPrefixConsistent, MAX_TREE_NODES, parseStrategy, sourcesOf } from '../strategy';
import type { BenchRecord, MeasuredRun, PlannedStrategy, WarmupReport } from './protocol';

/** One strategy's results over the complete units. */
export interface BenchRow {
  strategy: string;
  /** True for rows the protocol added (the `ar` baseline, the sweep next to an `auto` strategy). */
  added: boolean;
  prompts: number;
  /** Runs this row pools (prompts x repeats of the complete units). */
  runs: number;
  tokens: number;
  wall_ms: number;
  mean_acceptance_length: number;
  tokens_per_second: number;
  speedup_vs_ar: number;
  /** 95% interval of speedup_vs_ar, paired bootstrap over the units (see the file comment). */
  speedup_ci95: [number, number];
  /** Each bootstrap unit's tokens and wall time, in unit order (for paired comparisons of any two rows). */
  per_prompt: { tokens: number; wall_ms: number }[];
  draft_n: number;
  draft_n_accepted: number;
  verify_steps: number;
  draft_calls: number;
  acceptance_rate: number;
  acceptance_rate_per_depth: number[];
  /** Mean tree size per step, root included (the verify call's token count). */
  mean_tree_size: number;
  /** Milliseconds per part, summed over the steps. */
  time_ms: StepTimings;
  /** Each part's share of the step time. */
  time_share: Omit<StepTimings, 'total'>;
  /** (tree + commit + sampling) / step time. */
  overhead_share: number;
  /** speedup / (tau * t(1) / t(tree size)), t = the target's measured profile; null without a profile. */
  efficiency: number | null;
  /** At T = 0: every run's tokens equal the `ar` run's of the same unit; null at T > 0. */
  greedy_identical: boolean | null;
  /** `auto` strategies: the budget chosen before each step (0: target only), in run order. */
  chosen_budgets?: number[];
  /** Children examined and accepted per sibling rank (Sequoia's positional acceptance, as counts). */
  acceptance_by_rank?: RankCounts;
  /** DySpec heaps: what the first m nodes of the steps' trees accepted and cost, for m = 0..largest tree. */
  prefix_curve?: PrefixCurve | null;
}

/** Per budget m: the mean accepted draft tokens and internal nodes of the first m nodes, and the steps behind it. */
export interface PrefixCurve {
  accepted: number[];
  internal: number[];
  count: number[];
}

/** Sibling ranks `acceptance_by_rank` counts (the positional model's K). */
export const RECORDED_RANKS = 8;

/** One row against another, resampled in pairs over the units. */
export interface PairedComparison {
  strategy: string;
  speedup_vs_ar: number;
  /** This row's speedup / the other row's. */
  ratio: number;
  ratio_ci95: [number, number];
}

/** How an `auto` strategy did against `ar` and the fixed budgets of its sweep. */
export interface AutoComparison {
  strategy: string;
  chosen_budgets: number[];
  speedup_vs_ar: number;
  best_sweep_strategy: string;
  best_sweep_speedup: number;
  /** auto speedup / best sweep speedup. */
  ratio: number;
  ratio_ci95: [number, number];
  /** Against the best of `ar` and the sweep (`ar` counts: auto may choose not to speculate). Target >= 0.97. */
  vs_best: PairedComparison;
  /** Against the fastest `chain:G` row (null when none ran). */
  vs_best_chain: PairedComparison | null;
  /** Against the fastest fixed tree, `tree:...` or `sequoia:N` (null when none ran). */
  vs_best_fixed_tree: PairedComparison | null;
}

/** How the figures were taken. */
export interface BenchProtocolInfo {
  warmup: WarmupReport;
  prompts: number;
  repeats: number;
  /** Units (prompt, repeat) where every strategy ran; only these count. */
  complete_units: number;
  order: 'rotated per unit';
  bootstrap_units: 'prompts' | 'repeats';
  stopped: boolean;
}

/** The benchmark's result document. */
export interface BenchResult {
  rows: BenchRow[];
  auto: AutoComparison[];
  protocol: BenchProtocolInfo;
  profile: { target: LatencyProfile | null; draft: LatencyProfile | null };
  sequoia_acceptance: number[];
}

/** Bootstrap resamples behind the intervals (their spread is about 1/sqrt of this off the exact percentiles). */
export const BOOTSTRAP_RESAMPLES = 2000;

/** The runs of one plan over the complete units, with its per-unit totals. */
interface PlanRuns {
  runs: MeasuredRun[];
  units: PromptRun[];
}

/** Summarises a protocol run (see the file comment). */
export function summariseBench(record: BenchRecord, options: { params: SamplingParams; seed: number }): BenchResult {
  const complete = completeUnits(record);
  const byPrompts = record.prompts > 1;
  const unitOf = (r: MeasuredRun): number => (byPrompts ? r.prompt : r.repeat);
  const unitCount = byPrompts ? record.prompts : record.repeats;
  const planRuns = record.plans.map((plan): PlanRuns => {
    const runs = record.runs.filter((r) => r.strategy === plan.text && complete.has(unitKey(r)));
    const units = Array.from({ length: unitCount }, () => ({ tokens: 0, wallMs: 0 }));
    for (const r of runs) {
      units[unitOf(r)].tokens += r.outcome.tokens.length;
      units[unitOf(r)].wallMs += r.outcome.wallMs;
    }
    return { runs, units: units.filter((_, u) => runs.some((r) => unitOf(r) === u)) };
  });
  const arIndex = record.plans.findIndex((p) => p.strategy.kind === 'ar');
  const resamples =
    complete.size > 0 ? bootstrapResamples(planRuns[arIndex].units.length, BOOTSTRAP_RESAMPLES, options.seed) : [];
  const interval = (a: number, b: number): [number, number] =>
    resamples.length ? ratioInterval(planRuns[a].units, planRuns[b].units, resamples) : [NaN, NaN];
  const metrics = planRuns.map((p) =>
    computeMetrics(
      p.runs.flatMap((r) => r.outcome.steps),
      sumWall(p.runs),
    ),
  );
  const arRate = metrics[arIndex].tokens_per_second;
  const greedy = options.params.temperature === 0 ? planRuns[arIndex].runs : null;
  const rows = record.plans.map((plan, k) =>
    toRow(plan, metrics[k], planRuns[k], {
      speedup: arRate > 0 ? metrics[k].tokens_per_second / arRate : NaN,
      speedupCi: interval(k, arIndex),
      target: record.profile.target,
      greedy,
      prompts: new Set(planRuns[k].runs.map((r) => r.prompt)).size,
    }),
  );
  const indexOf = new Map(record.plans.map((p, k) => [p.text, k]));
  const auto = compareAuto(rows, (a, b) => interval(indexOf.get(a)!, indexOf.get(b)!));
  return {
    rows,
    auto,
    protocol: {
      warmup: record.warmup,
      prompts: record.prompts,
      repeats: record.repeats,
      complete_units: complete.size,
      order: 'rotated per unit',
      bootstrap_units: byPrompts ? 'prompts' : 'repeats',
      stopped: record.stopped,
    },
    profile: record.profile,
    sequoia_acceptance: record.sequoiaAcceptance,
  };
}

const unitKey = (r: MeasuredRun): string => `${r.prompt}/${r.repeat}`;

/** The units where every plan ran. */
function completeUnits(record: BenchRecord): Set<string> {
  const seen = new Map<string, Set<string>>();
  for (const r of record.runs) {
    const key = unitKey(r);
    seen.set(key, (seen.get(key) ?? new Set()).add(r.strategy));
  }
  return new Set([...seen].filter(([, s]) => s.size === record.plans.length).map(([key]) => key));
}

function sumWall(runs: readonly MeasuredRun[]): number {
  return runs.reduce((ms, r) => ms + r.outcome.wallMs, 0);
}

function toRow(
  plan: PlannedStrategy,
  m: Metrics,
  p: PlanRuns,
  ctx: {
    speedup: number;
    speedupCi: [number, number];
    target: LatencyProfile | null;
    greedy: readonly MeasuredRun[] | null;
    prompts: number;
  },
): BenchRow {
  const steps: StepRecord[] = p.runs.flatMap((r) => r.outcome.steps);
  const meanSize = steps.reduce((x, s) => x + s.tree.tokens.length, 0) / Math.max(1, steps.length);
  const t = m.time_ms;
  const share = (v: number): number => (t.total > 0 ? v / t.total : 0);
  return {
    strategy: plan.text,
    added: plan.added,
    prompts: ctx.prompts,
    runs: p.runs.length,
    tokens: m.tokens_emitted,
    wall_ms: m.wall_ms,
    mean_acceptance_length: m.mean_acceptance_length,
    tokens_per_second: m.tokens_per_second,
    speedup_vs_ar: ctx.speedup,
    speedup_ci95: ctx.speedupCi,
    per_prompt: p.units.map((u) => ({ tokens: u.tokens, wall_ms: u.wallMs })),
    draft_n: m.draft_n,
    draft_n_accepted: m.draft_n_accepted,
    verify_steps: m.verify_steps,
    draft_calls: m.draft_calls,
    acceptance_rate: m.acceptance_rate,
    acceptance_rate_per_depth: m.acceptance_rate_per_depth,
    mean_tree_size: meanSize,
    time_ms: t,
    time_share: {
      draft: share(t.draft),
      verify: share(t.verify),
      tree: share(t.tree),
      commit: share(t.commit),
      sampling: share(t.sampling),
    },
    overhead_share: share(t.tree + t.commit + t.sampling),
    efficiency: ctx.target ? rowEfficiency(ctx.speedup, m, steps, ctx.target) : null,
    greedy_identical: ctx.greedy ? p.runs.every((r) => sameAsAr(r, ctx.greedy!)) : null,
    ...(isAutoStrategy(plan.strategy) ? { chosen_budgets: p.runs.flatMap((r) => r.outcome.chosenBudgets) } : {}),
    acceptance_by_rank: countAcceptanceByRank(steps, RECORDED_RANKS),
    prefix_curve: isPrefixConsistent(plan.strategy) ? prefixCurveOf(steps) : null,
  };
}

function prefixCurveOf(steps: readonly StepRecord[]): PrefixCurve {
  const largest = Math.min(
    MAX_TREE_NODES,
    steps.reduce((m, s) => Math.max(m, s.tree.parents.length - 1), 0),
  );
  const accepted = prefixAcceptedCurve(steps, largest);
  return { accepted: accepted.mean, internal: prefixInternalCurve(steps, largest).mean, count: accepted.count };
}

/** Efficiency against the verify cost of the steps' actual sizes (t is not linear, so not t(mean size)). */
function rowEfficiency(speedup: number, m: Metrics, steps: readonly StepRecord[], target: LatencyProfile): number {
  const tN = steps.reduce((x, s) => x + latencyAt(target, s.tree.tokens.length), 0) / Math.max(1, steps.length);
  return efficiency(speedup, m.mean_acceptance_length, latencyAt(target, 1), tN);
}

function sameAsAr(run: MeasuredRun, ar: readonly MeasuredRun[]): boolean {
  const base = ar.find((a) => a.prompt === run.prompt && a.repeat === run.repeat);
  const a = run.outcome.tokens;
  const b = base?.outcome.tokens;
  return b !== undefined && a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Each `auto` row against the best of `ar` and its sweep (fixed budgets of the same kind and sources), the fastest
 * chain and the fastest fixed tree.
 * @param pairedCi the interval of (rate of row a / rate of row b), by strategy text
 */
function compareAuto(
  rows: readonly BenchRow[],
  pairedCi: (a: string, b: string) => [number, number],
): AutoComparison[] {
  const out: AutoComparison[] = [];
  const fastest = (keep: (r: BenchRow) => boolean): BenchRow | null => {
    const family = rows.filter((r) => !r.chosen_budgets && keep(r));
    return family.length ? family.reduce((x, y) => (y.speedup_vs_ar > x.speedup_vs_ar ? y : x)) : null;
  };
  const kindOf = (r: BenchRow): string => parseStrategy(r.strategy).kind;
  for (const row of rows) {
    if (!row.chosen_budgets) continue;
    const spec = parseStrategy(row.strategy);
    const sources = sourcesOf(spec).join('+');
    const sweep = fastest((r) => kindOf(r) === spec.kind && sourcesOf(parseStrategy(r.strategy)).join('+') === sources);
    if (!sweep) continue;
    const against = (other: BenchRow): PairedComparison => ({
      strategy: other.strategy,
      speedup_vs_ar: other.speedup_vs_ar,
      ratio: row.speedup_vs_ar / other.speedup_vs_ar,
      ratio_ci95: pairedCi(row.strategy, other.strategy),
    });
    const ar = rows.find((r) => kindOf(r) === 'ar')!;
    const chain = fastest((r) => kindOf(r) === 'chain');
    const tree = fastest((r) => kindOf(r) === 'tree' || kindOf(r) === 'sequoia');
    out.push({
      strategy: row.strategy,
      chosen_budgets: row.chosen_budgets,
      speedup_vs_ar: row.speedup_vs_ar,
      best_sweep_strategy: sweep.strategy,
      best_sweep_speedup: sweep.speedup_vs_ar,
      ratio: row.speedup_vs_ar / sweep.speedup_vs_ar,
      ratio_ci95: pairedCi(row.strategy, sweep.strategy),
      vs_best: against(sweep.speedup_vs_ar >= ar.speedup_vs_ar ? sweep : ar),
      vs_best_chain: chain && against(chain),
      vs_best_fixed_tree: tree && against(tree),
    });
  }
  return out;
}
