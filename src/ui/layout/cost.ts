/**
 * What the cost-model panel draws, as plain data: each model's t(n)/t(1) curve from its measured profile, and each
 * strategy's operating point on the target's curve (its mean verify size and what that costs relative to one token).
 */
import { latencyAt, type Latency } from '../../core/budget';
import type { SpeedExplanation } from '../../core/explain';

/** One curve of the profile chart. */
export interface CostCurve {
  role: 'target' | 'draft';
  /** n and t(n)/t(1) at the measured sizes. */
  points: { n: number; ratio: number }[];
}

/** One strategy's place on the target curve. */
export interface OperatingPoint {
  strategy: string;
  n: number;
  ratio: number;
}

/** The sizes a latency is drawn at: the table's own, or powers of two up to `upTo` for a function. */
function sizesOf(latency: Latency, upTo: number): number[] {
  if (typeof latency !== 'function') return [...latency.sizes];
  const out: number[] = [];
  for (let n = 1; n <= upTo; n *= 2) out.push(n);
  return out;
}

/** t(n)/t(1) curves of the target and (when profiled) the draft. */
export function costCurves(profile: { target: Latency | null; draft: Latency | null }, upTo = 64): CostCurve[] {
  const curves: CostCurve[] = [];
  for (const role of ['target', 'draft'] as const) {
    const latency = profile[role];
    if (!latency) continue;
    const one = latencyAt(latency, 1);
    curves.push({ role, points: sizesOf(latency, upTo).map((n) => ({ n, ratio: latencyAt(latency, n) / one })) });
  }
  return curves;
}

/** Speculative strategies' operating points on the target curve (explanations with a profile only). */
export function operatingPoints(explanations: readonly SpeedExplanation[]): OperatingPoint[] {
  return explanations
    .filter((e) => e.verifyRatio !== null && e.treeSize > 1.0001)
    .map((e) => ({ strategy: e.strategy, n: e.treeSize, ratio: e.verifyRatio! }));
}

/** Draft call cost relative to the target's, at one token (null without both profiles). */
export function draftCostRatio(profile: { target: Latency | null; draft: Latency | null }): number | null {
  if (!profile.target || !profile.draft) return null;
  return latencyAt(profile.draft, 1) / latencyAt(profile.target, 1);
}
