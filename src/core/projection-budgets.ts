/**
 * The best fixed tree against the DySpec tree at every budget, under a cost profile (projection.ts): what each
 * node budget would give on that device with the acceptance this benchmark measured.
 *
 * - Fixed: the Sequoia-optimal shape of n nodes for the per-rank acceptance p_k pooled over the benchmark's
 *   speculative rows (posterior means, budget.ts), tau = 1 + its expected accepted length; its draft grows it layer
 *   by layer, one call per layer priced at t_D(the layer's internal nodes).
 * - DySpec (`dyspec`, `dyspec-cal`, each its own column): the heaps are prefix-consistent, so the steps of a run at
 *   budget M show what every budget m <= M accepted (the first m nodes of each tree) and how many expansions (one
 *   one-token draft call each) it took. Budgets beyond the largest tree run are left out: they were not measured.
 *
 * Both pay the same verify t_T(n + 1) and the host work of a step of that size, fitted over the measured rows as
 * h(s) = a + b s (s = verify tokens). Speedup is then (1) of explain.ts against `ar` under the same profile.
 */
import type { BenchResult, BenchRow, PrefixCurve } from './benchmark/summary';
import { latencyAt, posteriorAcceptance, type RankCounts } from './budget';
import { optimalSequoiaShape } from './builders/sequoia';
import { hostPerStep, type CostProfile } from './projection';
import { isPrefixConsistent, parseStrategy } from './strategy';

/** One budget's projection. */
export interface BudgetPoint {
  tau: number;
  stepMs: number;
  speedup: number;
}

/** Every budget's fixed and dynamic projection. */
export interface BudgetProjection {
  budget: number;
  fixed: BudgetPoint;
  /** By kind (`dyspec`, `dyspec-cal`); null where that kind never ran a tree this large. */
  dynamic: Record<string, BudgetPoint | null>;
}

/** The per-rank acceptance pooled over a result's speculative rows (the prior fills ranks never examined). */
export function pooledAcceptance(result: BenchResult): number[] {
  const pooled: RankCounts = { examined: [], accepted: [] };
  for (const row of result.rows) {
    const c = row.acceptance_by_rank;
    if (!c) continue;
    c.examined.forEach((v, k) => (pooled.examined[k] = (pooled.examined[k] ?? 0) + v));
    c.accepted.forEach((v, k) => (pooled.accepted[k] = (pooled.accepted[k] ?? 0) + v));
  }
  if (pooled.examined.length === 0 && result.sequoia_acceptance.length > 0) return [...result.sequoia_acceptance];
  return posteriorAcceptance(pooled);
}

/** h(s) = a + b s by least squares over the rows (b >= 0, a >= 0), s = mean verify tokens. */
export function hostModel(rows: readonly BenchRow[]): (size: number) => number {
  const pts = rows.filter((r) => r.verify_steps > 0).map((r) => ({ s: r.mean_tree_size, h: hostPerStep(r) }));
  if (pts.length === 0) return () => 0;
  const ms = pts.reduce((a, p) => a + p.s, 0) / pts.length;
  const mh = pts.reduce((a, p) => a + p.h, 0) / pts.length;
  const sxx = pts.reduce((a, p) => a + (p.s - ms) ** 2, 0);
  const b = sxx > 0 ? Math.max(0, pts.reduce((a, p) => a + (p.s - ms) * (p.h - mh), 0) / sxx) : 0;
  const a = Math.max(0, mh - b * ms);
  return (size) => a + b * size;
}

/** The prefix curves of one kind's rows, pooled (weighted by the steps behind each budget). */
function pooledPrefix(rows: readonly BenchRow[]): PrefixCurve | null {
  const curves = rows.map((r) => r.prefix_curve).filter((c): c is PrefixCurve => !!c);
  if (curves.length === 0) return null;
  const len = Math.max(...curves.map((c) => c.count.length));
  const out: PrefixCurve = { accepted: [], internal: [], count: [] };
  for (let m = 0; m < len; m++) {
    let n = 0;
    let acc = 0;
    let internal = 0;
    for (const c of curves) {
      const k = c.count[m] ?? 0;
      n += k;
      acc += k * (c.accepted[m] ?? 0);
      internal += k * (c.internal[m] ?? 0);
    }
    out.count.push(n);
    out.accepted.push(n > 0 ? acc / n : 0);
    out.internal.push(n > 0 ? internal / n : 0);
  }
  return out;
}

/** Projects the fixed and DySpec trees of every budget under a profile. */
export function projectBudgets(
  result: BenchResult,
  profile: CostProfile,
  budgets: readonly number[],
): BudgetProjection[] {
  const acceptance = pooledAcceptance(result);
  const host = hostModel(result.rows);
  const tD = (n: number): number => (profile.draft ? latencyAt(profile.draft, n) : 0);
  const arStep = latencyAt(profile.target, 1) + host(1);
  const point = (tau: number, nodes: number, draftMs: number): BudgetPoint => {
    const stepMs = latencyAt(profile.target, nodes + 1) + draftMs + host(nodes + 1);
    return { tau, stepMs, speedup: (tau * arStep) / stepMs };
  };
  // One column per prefix-consistent kind that ran (the DySpec heaps), in the order the rows list them.
  const byKind = new Map<string, BenchRow[]>();
  for (const row of result.rows) {
    const spec = parseStrategy(row.strategy);
    if (isPrefixConsistent(spec)) byKind.set(spec.kind, [...(byKind.get(spec.kind) ?? []), row]);
  }
  const curves = new Map([...byKind].map(([kind, rows]) => [kind, pooledPrefix(rows)]));
  return budgets.map((n) => {
    const shape = optimalSequoiaShape(acceptance, n, n);
    const layerDraft = layerWidths(shape.parents).reduce((ms, w) => ms + tD(w), 0);
    const dynamic: Record<string, BudgetPoint | null> = {};
    for (const [kind, c] of curves) {
      dynamic[kind] = c && (c.count[n] ?? 0) > 0 ? point(1 + c.accepted[n], n, c.internal[n] * tD(1)) : null;
    }
    return { budget: n, fixed: point(1 + shape.expectedAcceptedLength, n, layerDraft), dynamic };
  });
}

/** Internal nodes (nodes with children) per depth of a shape: the width of each layer's draft call. */
export function layerWidths(parents: readonly number[]): number[] {
  const depth: number[] = [];
  const widths: number[] = [];
  const seen = new Set<number>();
  parents.forEach((p) => {
    depth.push(p < 0 ? 0 : depth[p] + 1);
    if (p >= 0 && !seen.has(p)) {
      seen.add(p);
      widths[depth[p]] = (widths[depth[p]] ?? 0) + 1;
    }
  });
  return widths.filter((w) => w > 0);
}
