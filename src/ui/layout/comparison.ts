/**
 * Rows of a strategy comparison (one benchmark run per strategy on the same prompt and backend) and the pure
 * helpers the comparison charts use: which family a strategy belongs to, where it drafts from, its node budget, and
 * the series to draw.
 */
import { branchingNodes, DEFAULT_SOURCES, nodeBudget, parseStrategy, sourcesOf } from '../../core/strategy';
import type { DraftSourceName, Strategy } from '../../core/strategy';

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

/**
 * The draft sources of a strategy, read with the engine's parser (`chain:4@context` → context); none for `ar`.
 * Names outside the engine's grammar (loose benchmark names) draft from the model, unless they are autoregressive.
 */
export function strategySources(strategy: string): readonly DraftSourceName[] {
  try {
    return sourcesOf(parseStrategy(strategy));
  } catch {
    return familyOf(strategy) === 'ar' ? [] : DEFAULT_SOURCES;
  }
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
export function groupBySource<R extends { strategy: string }>(rows: readonly R[]): SourceGroup<R>[] {
  const groups = new Map<string, SourceGroup<R>>();
  for (const row of rows) {
    const sources = strategySources(row.strategy);
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
