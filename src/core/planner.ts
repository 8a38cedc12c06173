/**
 * What the decode loop asks before every step and tells after it (generate.ts): a planner hands out the tree builder
 * of the next step and observes each finished step. Everything a strategy learns while it runs lives behind this
 * one seam, so the loop has no strategy-specific options:
 * - a fixed strategy (`chain:4`, `sequoia:16`) plans the same builder every step;
 * - `dyspec-cal:N` re-keys its heap by the acceptance calibration the steps so far have refined;
 * - an `auto` strategy asks a budget chooser before every step; budget 0 is a target-only step (no speculation).
 */
import { AcceptanceCalibration } from './calibration';
import type { TreeBuilder } from './builders/types';
import type { StepRecord } from './step';
import {
  builderFor,
  formatStrategy,
  sourcesOf,
  withBudget,
  type AutoStrategy,
  type DraftSourceName,
  type ResolvedStrategy,
} from './strategy';

/** What one step runs. */
export interface StepPlan {
  /** The strategy of this step (an `auto` run's chosen budget; `ar` for a target-only step). */
  strategy: ResolvedStrategy;
  /** The builder that grows the step's tree; null for a target-only step. */
  builder: TreeBuilder | null;
}

/** Plans the steps of one run. */
export interface StepPlanner {
  /** The draft sources any step of the run may use (empty: the run never drafts). */
  readonly sources: readonly DraftSourceName[];
  /** The next step's plan, given the run's steps so far. */
  next(steps: readonly StepRecord[]): StepPlan | Promise<StepPlan>;
  /** Each finished step, in order. */
  observe(step: StepRecord): void;
}

/** What the builders of a run read besides the strategy. */
export interface PlanContext {
  /** Per-rank acceptance shaping `sequoia:N` trees (default DEFAULT_SEQUOIA_ACCEPTANCE). */
  acceptance?: readonly number[];
  /**
   * The acceptance curve `dyspec-cal` keys its heap by; every step of the run is added to it, so a caller that keeps
   * it carries what the run learned into the next one (default: a fresh one, used only by `dyspec-cal`).
   */
  calibration?: AcceptanceCalibration;
}

/** Plans every step of a resolved strategy. */
export function fixedPlanner(spec: ResolvedStrategy, context: PlanContext = {}): StepPlanner {
  const stepOf = planOf(spec, context);
  return { sources: sourcesOf(spec), next: stepOf.next, observe: stepOf.observe };
}

/** A budget chooser: the node budget of the next step (0: no speculation) from the steps the caller keeps. */
export type ChooseBudget = (steps: readonly StepRecord[]) => number | Promise<number>;

/** An `auto` run's planner: the budget of each step that ran is recorded in `chosen`. */
export interface AutoPlanner extends StepPlanner {
  readonly chosen: readonly number[];
}

/**
 * Plans an `auto` strategy: before every step `choose` gets the run's steps so far and names the budget; each
 * budget's plan is made once per run (a Sequoia shape, a calibrated heap keyed by the shared calibration).
 */
export function autoPlanner(spec: AutoStrategy, choose: ChooseBudget, context: PlanContext = {}): AutoPlanner {
  const calibration = context.calibration ?? (spec.kind === 'dyspec-cal' ? new AcceptanceCalibration() : undefined);
  const plans = new Map<number, ReturnType<typeof planOf>>();
  const chosen: number[] = [];
  let pending = 0;
  return {
    sources: sourcesOf(spec),
    chosen,
    async next(steps) {
      pending = await choose(steps);
      let plan = plans.get(pending);
      if (!plan) plans.set(pending, (plan = planOf(withBudget(spec, pending), { ...context, calibration })));
      return plan.next();
    },
    observe(step) {
      chosen.push(pending); // steps that ran (an aborted step is never observed)
      calibration?.observe([step]);
    },
  };
}

/** One resolved strategy's plan source; `dyspec-cal` re-reads its calibration every step. */
function planOf(
  spec: ResolvedStrategy,
  context: PlanContext,
): { next: () => StepPlan; observe: (s: StepRecord) => void } {
  if (spec.kind === 'ar') return { next: () => ({ strategy: spec, builder: null }), observe: () => {} };
  if (spec.kind === 'dyspec-cal') {
    const calibration = context.calibration ?? new AcceptanceCalibration();
    return {
      next: () => ({ strategy: spec, builder: builderFor(spec, { acceptanceEstimate: calibration.estimator() }) }),
      observe: (step) => calibration.observe([step]),
    };
  }
  const plan: StepPlan = { strategy: spec, builder: builderFor(spec, { acceptance: context.acceptance }) };
  return { next: () => plan, observe: () => {} };
}

/** The strategy a run resolved to: the one most of its steps ran (ties: the one seen first). */
export function mostFrequentStrategy(plans: readonly ResolvedStrategy[]): ResolvedStrategy | null {
  const counts = new Map<string, { spec: ResolvedStrategy; count: number }>();
  for (const spec of plans) {
    const key = formatStrategy(spec);
    const entry = counts.get(key) ?? { spec, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { spec: ResolvedStrategy; count: number } | null = null;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry; // insertion order
  return best?.spec ?? null;
}
