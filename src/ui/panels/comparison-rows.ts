/**
 * Comparison chart rows from the compared runs: the strategy's family and node budget, tau, tokens/s and the
 * speedup against the autoregressive run of the same comparison; grouped by the strategies' draft sources.
 */
import { computeMetrics, type Metrics } from '../../core/metrics';
import { nodeBudget, parseStrategy } from '../../core/strategy';
import { runMetrics } from '../../store/derive';
import type { RunView } from '../../store/run-slice';
import { familyOf, groupBySource, type ComparisonRow } from '../layout/comparison';

/**
 * Draft nodes per step that a strategy asks for: gamma, the branching vector's node count, the Sequoia or DySpec
 * budget; for threshold and auto strategies (no fixed budget) the mean tree size the run actually drafted.
 */
export function strategyBudget(strategy: string, metrics: Metrics): number {
  const meanSize = metrics.verify_steps > 0 ? metrics.draft_n / metrics.verify_steps : 0;
  return nodeBudget(parseStrategy(strategy)) ?? meanSize;
}

/**
 * The metrics of every run of one strategy taken together (all prompts): the steps pooled, the wall times summed, so
 * tau and tokens/s weigh each prompt by its tokens.
 */
export function pooledMetrics(runs: readonly RunView[]): Metrics {
  if (runs.length === 1) return runMetrics(runs[0]);
  const steps = runs.flatMap((r) => r.steps);
  const wall = runs.every((r) => r.elapsedMs !== null) ? runs.reduce((a, r) => a + (r.elapsedMs ?? 0), 0) : undefined;
  return computeMetrics(steps, wall);
}

/**
 * One chart row per strategy, pooling its runs over the prompts, grouped by draft sources (`ar` first, then each set
 * of sources in the order it first appears; strategies in the order they first appear within a group); speedups are
 * against the comparison's `ar` runs (NaN without them).
 */
export function comparisonRows(runs: readonly RunView[]): ComparisonRow[] {
  const groups = new Map<string, RunView[]>();
  for (const run of runs) groups.set(run.strategy, [...(groups.get(run.strategy) ?? []), run]);
  const ar = groups.get('ar');
  const arRate = ar ? pooledMetrics(ar).tokens_per_second : NaN;
  const rows = [...groups].map(([strategy, group]): ComparisonRow => {
    const m = pooledMetrics(group);
    return {
      strategy,
      family: familyOf(strategy),
      budget: strategyBudget(group[0].resolvedStrategy ?? strategy, m),
      tau: m.mean_acceptance_length,
      speedup: arRate > 0 ? m.tokens_per_second / arRate : NaN,
      tokensPerSecond: m.tokens_per_second,
      acceptanceRatePerDepth: m.acceptance_rate_per_depth,
    };
  });
  return groupBySource(rows).flatMap((g) => g.rows);
}
