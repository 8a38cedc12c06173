/**
 * Rows of a strategy comparison (one benchmark run per strategy on the same prompt and backend) and the pure
 * helpers the comparison charts use: which family a strategy belongs to, its node budget, and the series to draw.
 */
import { branchingNodes, nodeBudget, parseStrategy } from '../../core/strategy';
import type { Strategy } from '../../core/strategy';

/** Strategy families, as the charts group them. */
export type Family = 'ar' | 'chain' | 'tree' | 'sequoia' | 'dyspec' | 'dyspec-cal';

/** All families, in legend order. */
export const FAMILIES: readonly Family[] = ['ar', 'chain', 'tree', 'sequoia', 'dyspec', 'dyspec-cal'];

/** One strategy's results. */
export interface ComparisonRow {
  strategy: string;
  family: Family;
  /** Draft nodes per step (gamma for chain, nodes for trees; 0 for autoregressive). */
  budget: number;
  /** Mean acceptance length: tokens per verify step. */
  tau: number;
  /** Speedup vs the autoregressive run. */
  speedup: number;
  tokensPerSecond: number;
  /** [d] acceptance rate at depth d + 1. */
  acceptanceRatePerDepth: number[];
}

/**
 * The family of a strategy name, by keyword (case-insensitive): `ar` / `autoregressive` / `baseline`, `chain`,
 * `sequoia`, `dyspec` / `dyspec-t` / `dynamic`; anything else (`tree:…`, fixed, k-ary, branching vectors) is a
 * fixed `tree`.
 */
export function familyOf(strategy: string): Family {
  const s = strategy.trim().toLowerCase();
  if (/^(ar|autoregressive|baseline|target[-_ ]?only)\b/.test(s)) return 'ar';
  if (s.startsWith('dyspec-cal')) return 'dyspec-cal';
  if (s.includes('dyspec') || s.includes('dynamic')) return 'dyspec';
  if (s.includes('sequoia')) return 'sequoia';
  if (s.startsWith('chain') || s.startsWith('spec') || s.includes('gamma')) return 'chain';
  return 'tree';
}

/** Number of nodes of a fixed tree with this branching vector (the engine's count). */
export { branchingNodes };

/** The budget of a strategy in the engine's grammar (`chain:4`, `tree:3x2x1`, `sequoia:32:6`, ...); undefined if not one. */
function parsedBudget(strategy: string): number | undefined {
  let s: Strategy;
  try {
    s = parseStrategy(strategy);
  } catch {
    return undefined;
  }
  return nodeBudget(s) ?? Number.NaN;
}

/**
 * The draft-node budget of a strategy: `meanTreeSize` when given (draft nodes per step, the root not counted),
 * else read from the name. Names in the engine's grammar (src/core/strategy.ts) are read exactly: `ar` → 0,
 * `chain:G` → G, `tree:B1xB2x…` → its node count, `sequoia:N[:D]` / `dyspec:N` → N; `auto` budgets and threshold
 * trees (`dyspec-t:T[:CAP]`) → NaN (their size is only known from a run). Other names are read loosely: a branching
 * vector (`tree-3x2x1`, `fixed:[3,2,1]`) gives its node count, a k-ary tree written `k2d3` / `2-ary-3` gives
 * k + k² + k³, otherwise the first integer for Sequoia names and the last one for others (`chain-4` → 4).
 */
export function budgetOf(strategy: string, meanTreeSize?: number): number {
  if (meanTreeSize !== undefined && Number.isFinite(meanTreeSize)) return meanTreeSize;
  const parsed = parsedBudget(strategy);
  if (parsed !== undefined) return parsed;
  const s = strategy.toLowerCase();
  const family = familyOf(s);
  if (family === 'ar') return 0;
  if (family === 'tree') {
    const vector = /(\d+(?:\s*[x,×]\s*\d+)+)/.exec(s);
    if (vector) return branchingNodes(vector[1].split(/[x,×]/).map((v) => Number(v.trim())));
    const kary =
      /k\s*=?\s*(\d+)\s*[-_,]?\s*d\s*=?\s*(\d+)/.exec(s) ?? /(\d+)-ary[-_ ]?(?:d(?:epth)?[=-]?)?(\d+)/.exec(s);
    if (kary) return branchingNodes(new Array<number>(Number(kary[2])).fill(Number(kary[1])));
  }
  const ints = s.replace(/\d*\.\d+/g, ' ').match(/\d+/g);
  if (!ints) return Number.NaN;
  return Number(family === 'sequoia' ? ints[0] : ints[ints.length - 1]);
}

/** One family's points for the budget chart, sorted by budget. */
export interface BudgetSeries {
  family: Family;
  points: { strategy: string; budget: number; value: number }[];
}

/**
 * Groups rows into one series per family (autoregressive left out: it is the 1.0 reference), in FAMILIES order,
 * sorted by budget; rows with a non-finite budget or value are dropped.
 */
export function budgetSeries(rows: readonly ComparisonRow[], metric: 'tau' | 'speedup'): BudgetSeries[] {
  const out: BudgetSeries[] = [];
  for (const family of FAMILIES) {
    if (family === 'ar') continue;
    const points = rows
      .filter((r) => r.family === family && Number.isFinite(r.budget) && Number.isFinite(r[metric]))
      .map((r) => ({ strategy: r.strategy, budget: r.budget, value: r[metric] }))
      .sort((a, b) => a.budget - b.budget);
    if (points.length > 0) out.push({ family, points });
  }
  return out;
}

/** One strategy's acceptance rate per depth (depth starts at 1). */
export interface DepthSeries {
  strategy: string;
  family: Family;
  points: { depth: number; rate: number }[];
}

/** One series per row that has per-depth rates; non-finite rates are skipped. */
export function depthSeries(rows: readonly ComparisonRow[]): DepthSeries[] {
  return rows
    .map((r) => ({
      strategy: r.strategy,
      family: r.family,
      points: r.acceptanceRatePerDepth
        .map((rate, i) => ({ depth: i + 1, rate }))
        .filter((p) => Number.isFinite(p.rate)),
    }))
    .filter((s) => s.points.length > 0);
}
