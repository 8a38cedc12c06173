/**
 * Comparison chart rows from the benchmark summary (store/comparison-bench.ts: core's summary over the page's runs):
 * the strategy's family and node budget, tau, tokens/s, the speedup against the `ar` runs of the same units with its
 * paired bootstrap interval, and how many runs it rests on; grouped by the strategies' draft sources.
 */
import type { BenchResult } from '../../core/benchmark/summary';
import { nodeBudget, parseStrategy } from '../../core/strategy';
import { familyOf, groupBySource, type ComparisonRow } from '../layout/comparison';

/**
 * Draft nodes per step that a strategy asks for: gamma, the branching vector's node count, the Sequoia or DySpec
 * budget; for threshold and auto strategies (no fixed budget) the mean number of draft nodes the runs drafted.
 */
export function strategyBudget(strategy: string, meanDraftNodes: number): number {
  return nodeBudget(parseStrategy(strategy)) ?? meanDraftNodes;
}

/**
 * One chart row per summarised strategy, grouped by draft sources (`ar` first, then each set of sources in the order
 * it first appears; strategies in the order they first appear within a group).
 */
export function comparisonRows(bench: BenchResult | null): ComparisonRow[] {
  if (!bench) return [];
  const rows = bench.rows.map((r): ComparisonRow => ({
    strategy: r.strategy,
    family: familyOf(r.strategy),
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
