/**
 * Rows of a strategy comparison (one benchmark row per strategy, from core's summary over the page's runs:
 * store/comparison-bench.ts) and the pure helpers the comparison table and charts use: a strategy's family and
 * draft sources (both read with the engine's parser), its node budget, the grouping by sources, and the series to
 * draw.
 */
import type { BenchResult } from '../../core/benchmark/summary';
import { branchingNodes, nodeBudget, parseStrategy, sourcesOf, STRATEGY_KINDS } from '../../core/strategy';
import type { DraftSourceName, Strategy } from '../../core/strategy';

/** Strategy families, as the charts colour them: the strategy kinds of the engine's grammar. */
export type Family = Strategy['kind'];

/** All families, in legend order (the grammar's order). */
export const FAMILIES: readonly Family[] = STRATEGY_KINDS;

/** One strategy's results. */
export interface ComparisonRow {
  strategy: string;
  /** `familyOf(strategy)`: read once, here, so the charts colour rows without parsing names again. */
  family: Family;
  /** `strategySources(strategy)`: where it drafts from (none for `ar`). */
  sources: readonly DraftSourceName[];
  /** Draft nodes per step (gamma for chain, nodes for trees; 0 for autoregressive). */
  budget: number;
  /** Mean acceptance length: tokens per verify step. */
  tau: number;
  /** Speedup vs the autoregressive runs. */
  speedup: number;
  /** 95% interval of the speedup (paired bootstrap), when measured by the benchmark protocol. */
  speedupCi?: [number, number];
  /** Runs the figures rest on. */
  runs?: number;
  tokensPerSecond: number;
  /** [d] acceptance rate at depth d + 1. */
  acceptanceRatePerDepth: number[];
}

/**
 * The family of a strategy: its kind in the engine's grammar (`chain:4@context` → chain, `dyspec-t:0.1` →
 * dyspec-t), so a strategy has one family, and one colour, wherever it is drawn.
 * @throws InvalidSettingError for text outside the grammar (the comparison drops such runs before it gets here)
 */
export function familyOf(strategy: string): Family {
  return parseStrategy(strategy).kind;
}

/**
 * The draft sources of a strategy, read with the engine's parser (`chain:4@context` → context); none for `ar`.
 * @throws InvalidSettingError for text outside the grammar
 */
export function strategySources(strategy: string): readonly DraftSourceName[] {
  return sourcesOf(parseStrategy(strategy));
}

/** The sources as one key and label, e.g. `context+model`; `target only` for none (autoregressive). */
export function sourceKey(sources: readonly DraftSourceName[]): string {
  return sources.length === 0 ? 'target only' : sources.join('+');
}

/** Whether sources are the default (the draft model alone). */
export function isDefaultSources(sources: readonly DraftSourceName[]): boolean {
  return sources.length === 1 && sources[0] === 'model';
}

/**
 * The dash pattern of a line drawn for strategies with these sources: solid for the draft model alone, dashed for
 * context, dotted for corpus, dash-dot for any mix.
 */
export function sourceDash(sources: readonly DraftSourceName[]): string | null {
  if (sources.length <= 1 && (sources[0] ?? 'model') === 'model') return null;
  if (sources.length === 1) return sources[0] === 'context' ? '6 3' : '2 3';
  return '8 3 2 3';
}

/** Rows of one source group. */
export interface SourceGroup<R> {
  /** `sourceKey` of the group's sources. */
  key: string;
  sources: readonly DraftSourceName[];
  rows: R[];
}

/**
 * Rows grouped by their strategy's draft sources: the autoregressive group first (the reference), then the groups
 * in the order they first appear; rows keep their order within a group.
 */
export function groupBySource<R extends { strategy: string; sources?: readonly DraftSourceName[] }>(
  rows: readonly R[],
): SourceGroup<R>[] {
  const groups = new Map<string, SourceGroup<R>>();
  for (const row of rows) {
    const sources = row.sources ?? strategySources(row.strategy);
    const key = sourceKey(sources);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, sources, rows: [] }));
    group.rows.push(row);
  }
  const all = [...groups.values()];
  return [...all.filter((g) => g.sources.length === 0), ...all.filter((g) => g.sources.length > 0)];
}

/** Number of nodes of a fixed tree with this branching vector (the engine's count). */
export { branchingNodes };

/**
 * Draft nodes per step that a strategy asks for: gamma, the branching vector's node count, the Sequoia or DySpec
 * budget; for threshold and auto strategies (no fixed budget) the mean number of draft nodes the runs drafted.
 */
export function strategyBudget(strategy: string, meanDraftNodes: number): number {
  return nodeBudget(parseStrategy(strategy)) ?? meanDraftNodes;
}

/**
 * One row per summarised strategy, grouped by draft sources (`ar` first, then each set of sources in the order it
 * first appears; strategies in the order they first appear within a group).
 */
export function comparisonRows(bench: BenchResult | null): ComparisonRow[] {
  if (!bench) return [];
  const rows = bench.rows.map((r): ComparisonRow => ({
    strategy: r.strategy,
    family: familyOf(r.strategy),
    sources: strategySources(r.strategy),
    budget: strategyBudget(r.strategy, r.verify_steps > 0 ? r.draft_n / r.verify_steps : 0),
    tau: r.mean_acceptance_length,
    speedup: r.speedup_vs_ar,
    speedupCi: r.speedup_ci95,
    tokensPerSecond: r.tokens_per_second,
    acceptanceRatePerDepth: r.acceptance_rate_per_depth,
    runs: r.runs,
  }));
  return groupBySource(rows).flatMap((g) => g.rows);
}

/** One family's points for the budget chart with one set of draft sources, sorted by budget. */
export interface BudgetSeries {
  family: Family;
  /** The draft sources of every strategy of the series. */
  sources: readonly DraftSourceName[];
  points: { strategy: string; budget: number; value: number }[];
}

/**
 * Groups rows into one series per family and draft sources (autoregressive left out: it is the 1.0 reference), in
 * FAMILIES order, then sources in the order they first appear, sorted by budget; rows with a non-finite budget or
 * value are dropped. So `chain:4` and `chain:4@context` are two lines, not one.
 */
export function budgetSeries(rows: readonly ComparisonRow[], metric: 'tau' | 'speedup'): BudgetSeries[] {
  const out: BudgetSeries[] = [];
  for (const family of FAMILIES) {
    if (family === 'ar') continue;
    const usable = rows.filter((r) => r.family === family && Number.isFinite(r.budget) && Number.isFinite(r[metric]));
    for (const group of groupBySource(usable)) {
      const points = group.rows
        .map((r) => ({ strategy: r.strategy, budget: r.budget, value: r[metric] }))
        .sort((a, b) => a.budget - b.budget);
      out.push({ family, sources: group.sources, points });
    }
  }
  return out;
}

/** One strategy's acceptance rate per depth (depth starts at 1). */
export interface DepthSeries {
  strategy: string;
  family: Family;
  sources: readonly DraftSourceName[];
  points: { depth: number; rate: number }[];
}

/** One series per row that has per-depth rates; non-finite rates are skipped. */
export function depthSeries(rows: readonly ComparisonRow[]): DepthSeries[] {
  return rows
    .map((r) => ({
      strategy: r.strategy,
      family: r.family,
      sources: r.sources,
      points: r.acceptanceRatePerDepth
        .map((rate, i) => ({ depth: i + 1, rate }))
        .filter((p) => Number.isFinite(p.rate)),
    }))
    .filter((s) => s.points.length > 0);
}

/**
 * Each item's rank within its family, in the order given (families `chain, tree, chain` → 0, 0, 1): strategies of
 * one family share its colour, and the rank picks what tells them apart (the depth chart's marker shape).
 */
export function familyRanks(families: readonly Family[]): number[] {
  const seen = new Map<Family, number>();
  return families.map((family) => {
    const rank = seen.get(family) ?? 0;
    seen.set(family, rank + 1);
    return rank;
  });
}
