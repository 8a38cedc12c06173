/**
 * Projection of measured acceptance to other hardware. A benchmark measures two things that travel differently:
 * what the trees accept (tau, per-depth and per-rank acceptance: a property of the models and the text) and what a
 * call costs (a property of the device). Re-pricing the first under another device's costs answers "what would
 * this comparison give there", as Sequoia's hardware-aware tree choice does. Every figure made here is a
 * projection, not a measurement, and is labelled so wherever it is shown.
 *
 * The formula (explain.ts (1) with costs from a profile P):
 *
 *     speedup_P = tau * (t_T(1) + h_ar) / (t_T(s) + c * t_D(1) + h)
 *
 * s: the mean verify tokens per step (root included), c: draft calls per step, h, h_ar: the host work per step
 * (tree, commit, sampling) measured here for the strategy and for `ar` (it is CPU work in JavaScript and does not
 * move with the accelerator). t_T and t_D: the target's and the draft's forward time in P. A draft call is priced
 * at t_D(1): DySpec's calls are one token; a fixed tree's layer calls are wider, which this under-prices on a CPU.
 *
 * Profiles: this device (the benchmark's own measured t(n)); GPU-like (t(n) flat up to a width W, then linear, the
 * draft a fixed fraction r of the target); or a profile file written by `npm run cli -- profile`.
 *
 * Pure: no I/O.
 */
import type { BenchResult, BenchRow } from './benchmark/summary';
import { latencyAt, type Latency } from './budget';
import { InvalidSettingError } from './errors';
import type { LatencyProfile } from './latency';

/** A device's costs: forward time t(n) in milliseconds of the target and of the draft. */
export interface CostProfile {
  /** Where it comes from, for labels: "this device", "GPU-like (W 64, r 0.10, t(1) 20 ms)", a file name. */
  label: string;
  target: Latency;
  /** The draft network's t(n); null where none was measured (table drafts only): draft calls then cost nothing. */
  draft: Latency | null;
}

/** The GPU-like profile's knobs. */
export interface GpuLikeOptions {
  /** Target forward time for one token, ms. */
  targetMs: number;
  /** Verify cost stays flat up to this many tokens (the accelerator is memory-bound below it). */
  flatWidth: number;
  /** Draft call cost as a fraction of the target's. */
  draftRatio: number;
}

/** Milliseconds per step, by part. */
export interface StepCost {
  verify: number;
  draft: number;
  /** Tree building, cache commit and sampling. */
  host: number;
}

/** A strategy re-priced under a profile. */
export interface ProjectedRow {
  strategy: string;
  tau: number;
  cost: StepCost;
  /** t_T(1) + h_ar. */
  arStepMs: number;
  /** t_T(1). */
  targetOneMs: number;
  speedup: number;
}

/** The benchmark's own measured profile ("this device"). */
export function measuredProfile(profile: BenchResult['profile']): CostProfile {
  if (!profile.target) throw new InvalidSettingError('profile', 'this benchmark carries no target profile');
  return { label: 'this device', target: profile.target, draft: profile.draft };
}

/** t(n) = t(1) * max(1, n / W), the draft r times the target. */
export function gpuLikeProfile(o: GpuLikeOptions): CostProfile {
  const check = (ok: boolean, field: string, why: string): void => {
    if (!ok) throw new InvalidSettingError(field, why);
  };
  check(Number.isFinite(o.targetMs) && o.targetMs > 0, 'targetMs', `target t(1) must be > 0 ms, got ${o.targetMs}`);
  check(Number.isInteger(o.flatWidth) && o.flatWidth >= 1, 'flatWidth', `flat width must be an integer >= 1`);
  check(o.draftRatio >= 0 && o.draftRatio <= 10, 'draftRatio', `draft cost ratio must be in [0, 10]`);
  const target = (n: number): number => o.targetMs * Math.max(1, n / o.flatWidth);
  return {
    label: `GPU-like (flat to ${o.flatWidth} tokens, draft ${o.draftRatio.toFixed(2)}x, t(1) ${o.targetMs} ms)`,
    target,
    draft: (n) => o.draftRatio * target(n),
  };
}

/** Reads the JSON `npm run cli -- profile --out FILE` writes. Throws naming the field at fault. */
export function profileFromFile(json: unknown, label: string): CostProfile {
  const doc = json as { sizes?: unknown; models?: unknown };
  const sizes = doc?.sizes;
  if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new InvalidSettingError('sizes', `${label}: "sizes" must be a non-empty list of token counts`);
  }
  if (!Array.isArray(doc.models)) throw new InvalidSettingError('models', `${label}: "models" must be a list`);
  const table = (role: string): LatencyProfile | null => {
    const m = (doc.models as { role?: unknown; ms_nondecreasing?: unknown; ms?: unknown }[]).find(
      (x) => x?.role === role || (role === 'target' && x?.role === 'model'),
    );
    if (!m) return null;
    const ms = m.ms_nondecreasing ?? m.ms;
    if (!Array.isArray(ms) || ms.length !== sizes.length || !ms.every((v) => Number.isFinite(v) && v > 0)) {
      throw new InvalidSettingError('models', `${label}: the ${role}'s "ms" must hold one time > 0 per size`);
    }
    return { sizes, ms, rawMs: ms, past: 0, repeats: 0 };
  };
  const target = table('target');
  if (!target) throw new InvalidSettingError('models', `${label}: no model with role "target" (or "model")`);
  return { label, target, draft: table('draft') };
}

/** Re-prices one row under a profile (see the file comment). */
export function projectRow(row: BenchRow, ar: BenchRow, profile: CostProfile): ProjectedRow {
  const steps = Math.max(1, row.verify_steps);
  const draftCall = profile.draft ? latencyAt(profile.draft, 1) : 0;
  const cost: StepCost = {
    verify: latencyAt(profile.target, row.mean_tree_size),
    draft: (row.draft_calls / steps) * draftCall,
    host: hostPerStep(row),
  };
  const targetOneMs = latencyAt(profile.target, 1);
  const arStepMs = targetOneMs + hostPerStep(ar);
  const tau = row.mean_acceptance_length;
  const speedup = (tau * arStepMs) / (cost.verify + cost.draft + cost.host);
  return { strategy: row.strategy, tau, cost, arStepMs, targetOneMs, speedup };
}

/** Host work (tree, commit, sampling) per step of a row, ms. */
export function hostPerStep(r: BenchRow): number {
  return (r.time_ms.tree + r.time_ms.commit + r.time_ms.sampling) / Math.max(1, r.verify_steps);
}

/** The result's `ar` row, which every speedup is measured against (undefined when there is none). */
export function arRow(result: Pick<BenchResult, 'rows'>): BenchRow | undefined {
  return result.rows.find((r) => r.strategy === 'ar');
}

/** Every row of a result re-priced under a profile (empty without an `ar` row). */
export function projectRows(result: BenchResult, profile: CostProfile): ProjectedRow[] {
  const ar = arRow(result);
  return ar ? result.rows.map((row) => projectRow(row, ar, profile)) : [];
}
