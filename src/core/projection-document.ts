/**
 * The projection as a document: a benchmark result's acceptance re-priced under one cost profile (projection.ts,
 * projection-budgets.ts), with the formula, the profile as sampled tables, and optionally the static tree to take to
 * a server (server-tree.ts). `cli project` writes it; the page exports the same next to a comparison's trace.
 */
import type { BenchResult } from './benchmark/summary';
import { latencyAt } from './budget';
import { InvalidSettingError } from './errors';
import { projectBudgets, pooledAcceptance, type BudgetProjection } from './projection-budgets';
import { arRow, projectRows, type CostProfile, type ProjectedRow } from './projection';
import { serverTree, type ServerTree } from './server-tree';

/** Budgets projected by default. */
export const DEFAULT_PROJECTION_BUDGETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

/** The formula every projected speedup follows. */
export const PROJECTION_FORMULA =
  'speedup = tau * (t_T(1) + h_ar) / (t_T(s) + c * t_D(1) + h): tau tokens per step, s verify tokens per step, ' +
  'c draft calls per step, h and h_ar host work per step as measured; t_T, t_D from the profile ' +
  '(per budget: fixed trees pay one draft call per layer at t_D(layer width), DySpec one t_D(1) per expansion)';

/** Sizes a profile is written at. */
const SAMPLED_SIZES = [1, 2, 4, 8, 16, 32, 64, 128];

/** A projection document. */
export interface ProjectionDocument {
  kind: 'projection';
  version: 1;
  /** Always true: nothing here was measured on the profile's device. */
  projected: true;
  formula: string;
  profile: { label: string; sizes: number[]; target_ms: number[]; draft_ms: number[] | null };
  /** The per-rank acceptance the budgets' fixed trees were shaped for. */
  acceptance_by_rank: number[];
  rows: (ProjectedRow & { measured_speedup: number })[];
  budgets: BudgetProjection[];
  server_tree: ServerTree | null;
}

/** Builds the document; `serverBudget` adds the static tree of that many nodes. */
export function projectionDocument(
  result: BenchResult,
  profile: CostProfile,
  options: { budgets?: readonly number[]; serverBudget?: number | null } = {},
): ProjectionDocument {
  const budgets = options.budgets ?? DEFAULT_PROJECTION_BUDGETS;
  const acceptance = pooledAcceptance(result);
  const measured = new Map(result.rows.map((r) => [r.strategy, r.speedup_vs_ar]));
  return {
    kind: 'projection',
    version: 1,
    projected: true,
    formula: PROJECTION_FORMULA,
    profile: {
      label: profile.label,
      sizes: SAMPLED_SIZES,
      target_ms: SAMPLED_SIZES.map((n) => latencyAt(profile.target, n)),
      draft_ms: profile.draft ? SAMPLED_SIZES.map((n) => latencyAt(profile.draft!, n)) : null,
    },
    acceptance_by_rank: acceptance,
    rows: projectRows(result, profile).map((r) => ({ ...r, measured_speedup: measured.get(r.strategy) ?? NaN })),
    budgets: projectBudgets(result, profile, budgets),
    server_tree: options.serverBudget ? serverTree(acceptance, options.serverBudget) : null,
  };
}

/**
 * Checks that a parsed JSON document is a benchmark result (`cli bench --out`, `bench:browser --out`) with what a
 * projection reads. Throws naming the first field at fault.
 */
export function readBenchResult(json: unknown, label: string): BenchResult {
  const bad = (field: string, why: string): never => {
    throw new InvalidSettingError(field, `${label}: ${field} ${why}`);
  };
  const doc = json as Partial<BenchResult> | null;
  if ((doc as { kind?: unknown } | null)?.kind === 'projection') bad('kind', 'is "projection": give the bench result');
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.rows))
    bad('rows', 'must be a list (is this a bench result?)');
  doc!.rows!.forEach((row, i) => {
    const at = `rows[${i}]`;
    if (typeof row?.strategy !== 'string') bad(`${at}.strategy`, 'must be a string');
    for (const k of ['verify_steps', 'mean_tree_size', 'mean_acceptance_length', 'draft_calls'] as const) {
      if (!Number.isFinite(row[k])) bad(`${at}.${k}`, 'must be a number');
    }
    for (const k of ['draft', 'verify', 'tree', 'commit', 'sampling'] as const) {
      if (!Number.isFinite(row.time_ms?.[k])) bad(`${at}.time_ms.${k}`, 'must be a number');
    }
  });
  if (!arRow(doc as BenchResult)) bad('rows', 'need an "ar" row to compare with');
  if (!doc!.profile || typeof doc!.profile !== 'object') bad('profile', 'must be { target, draft }');
  if (!Array.isArray(doc!.sequoia_acceptance)) bad('sequoia_acceptance', 'must be a list');
  return doc as BenchResult;
}
