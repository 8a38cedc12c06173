/**
 * Why a strategy ran at the speed it did. A speculative step costs a verify call, the draft's calls and host work
 * (tree building, cache commit, sampling) and yields tau tokens; an `ar` step costs one 1-token verify and its host
 * work and yields one token. So
 *
 *     speedup = tau * t_ar / (t_verify + t_draft + t_host)                                            (1)
 *
 * with every t the mean per step. `explainRows` evaluates (1) twice per strategy of a benchmark result: with the
 * times the steps measured (observed), and with the cost model the projection uses (projection.ts): the verify call
 * from the target's profile t_T(mean tree size), the draft's calls at the draft profile's one-token cost, the host
 * work as measured. Where a strategy is slower than `ar`, one sentence names the term that tipped it: the first of
 * verify, draft, host whose running sum (in units of t_ar) reaches tau.
 *
 * Pure: reads a BenchResult, no clocks.
 */
import type { BenchResult, BenchRow } from './benchmark/summary';
import { arRow, hostPerStep, measuredProfile, projectRow, type CostProfile, type StepCost } from './projection';

/** One side of (1): the step's cost terms, the `ar` step they are compared with, and the speedup they give. */
export interface SpeedTerms {
  cost: StepCost;
  arStepMs: number;
  speedup: number;
}

/** A strategy's speed, explained. */
export interface SpeedExplanation {
  strategy: string;
  /** Tokens per step (mean accepted length, bonus included). */
  tau: number;
  /** Mean verify tokens per step (root included). */
  treeSize: number;
  /** Draft calls per step. */
  draftCalls: number;
  /** The measured speedup (wall time, as the benchmark table shows it). */
  measuredSpeedup: number;
  /** (1) with the steps' measured times. */
  observed: SpeedTerms;
  /** (1) with the cost model (null without a target profile). */
  predicted: SpeedTerms | null;
  /** t_T(tree size) / t_T(1) from the target's profile (null without one). */
  verifyRatio: number | null;
  /** Why it is slower than `ar`; null when it is not. */
  verdict: string | null;
}

/** The observed cost terms of a row, per step. */
export function observedCost(row: BenchRow): StepCost {
  const steps = Math.max(1, row.verify_steps);
  const t = row.time_ms;
  return { verify: t.verify / steps, draft: t.draft / steps, host: hostPerStep(row) };
}

const stepMs = (c: StepCost): number => c.verify + c.draft + c.host;

/** Explains every row of a result against its `ar` row (empty when the result has no `ar` row with steps). */
export function explainRows(result: BenchResult): SpeedExplanation[] {
  const ar = arRow(result);
  if (!ar || ar.verify_steps === 0) return [];
  const profile = result.profile.target ? measuredProfile(result.profile) : null;
  return result.rows.map((row) => explainRow(row, ar, profile));
}

/** Explains one row (see the file comment). */
export function explainRow(row: BenchRow, ar: BenchRow, profile: CostProfile | null): SpeedExplanation {
  const cost = observedCost(row);
  const arStepMs = stepMs(observedCost(ar));
  const tau = row.mean_acceptance_length;
  const observed: SpeedTerms = { cost, arStepMs, speedup: (tau * arStepMs) / stepMs(cost) };
  const projected = profile ? projectRow(row, ar, profile) : null;
  const predicted: SpeedTerms | null = projected && {
    cost: projected.cost,
    arStepMs: projected.arStepMs,
    speedup: projected.speedup,
  };
  const verifyRatio = projected && projected.cost.verify / projected.targetOneMs;
  const explanation: SpeedExplanation = {
    strategy: row.strategy,
    tau,
    treeSize: row.mean_tree_size,
    draftCalls: row.draft_calls / Math.max(1, row.verify_steps),
    measuredSpeedup: row.speedup_vs_ar,
    observed,
    predicted,
    verifyRatio,
    verdict: null,
  };
  const slower = row.speedup_vs_ar < 1 && row !== ar;
  if (!slower) return explanation;
  const chosen = row.chosen_budgets;
  const off = chosen?.length ? chosen.filter((b) => b === 0).length / chosen.length : 0;
  const prefix = off > 0 ? `it chose not to speculate for ${Math.round(off * 100)}% of steps; ` : '';
  return { ...explanation, verdict: prefix + verdictOf(explanation) };
}

const x = (v: number): string => `${v.toFixed(2)}x`;

/** The sentence for a strategy slower than `ar`: which term, in units of an `ar` step, outgrew tau. */
function verdictOf(e: SpeedExplanation): string {
  const { cost, arStepMs } = e.observed;
  const v = cost.verify / arStepMs;
  const d = cost.draft / arStepMs;
  const h = cost.host / arStepMs;
  const tau = e.tau.toFixed(2);
  const size = Math.round(e.treeSize);
  const tokens = `${size} token${size === 1 ? '' : 's'}`;
  const total = `a step costs ${x(v + d + h)} an ar step (verify ${x(v)}, draft ${x(d)}, host ${x(h)})`;
  if (v + d + h < e.tau) {
    // The steps pay for themselves; what was lost lies between them (planning, a probe's draft catch-up, I/O).
    return (
      `its steps alone would give ${x(e.observed.speedup)} (${total} for tau ${tau}); the rest is time spent ` +
      `outside the steps`
    );
  }
  if (e.tau <= 1.0005) {
    return `no draft token was accepted (tau ${tau}), so every step costs more than ar for the same one token: ${total}`;
  }
  if (v >= e.tau) {
    return `verifying ${tokens} costs ${x(v)} an ar step; tau ${tau} does not pay for it`;
  }
  if (v + d >= e.tau) {
    return (
      `the draft's ${e.draftCalls.toFixed(1)} calls per step cost ${x(d)} an ar step; with verifying ${tokens} ` +
      `at ${x(v)}, tau ${tau} does not pay for both`
    );
  }
  return `host work (tree, commit, sampling) adds ${x(h)} an ar step on top of verify and draft; ${total} for tau ${tau}`;
}
