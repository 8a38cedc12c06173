/**
 * The live budget chooser of the `auto` strategies (docs/design.md §6): before every step it re-estimates acceptance
 * and costs from the steps so far and picks the budget with the most expected tokens per second (budget.ts has the
 * models). Budget 0 is a candidate: a target-only step, so where no tree pays for its verify and draft cost the
 * chooser stops speculating (and its exploration keeps measuring budget 1, so it returns when speculation pays).
 *
 * Every estimate is the model blended with what the steps measured, by one rule (`blend`: the measured mean weighted
 * by its step count against MODEL_WEIGHT_STEPS steps of the model): the accepted length and the draft expansions of
 * each budget (for prefix-consistent builders, read off the first m nodes of each step's tree) and the step time of
 * each budget that ran. Two things keep it honest on a real, noisy device:
 * - measured costs win over the profile: once a budget has run for a few steps, its observed step time (draft +
 *   verify + overhead, which includes effects no isolated profile sees, such as the target evicting the draft's
 *   weights from the CPU caches) is blended in, weighted by how often it ran;
 * - exploration: every `exploreEvery`-th choice runs a neighbouring candidate budget (alternately the next larger and
 *   the next smaller one), so budgets the model misjudges get measured instead of never being tried.
 */
import {
  bestPrediction,
  countAcceptanceByRank,
  DEFAULT_ACCEPTANCE_PRIOR,
  internalNodes,
  latencyAt,
  positionalCurve,
  posteriorAcceptance,
  predictBudgets,
  predictedDraftMs,
  prefixAcceptedCurve,
  prefixInternalCurve,
  type AcceptancePrior,
  type BudgetPrediction,
  type CostModel,
  type DraftCallMode,
  type Latency,
  type TreeCurve,
} from './budget';
import type { StepRecord } from './step';

/** Options of the live chooser. */
export interface BudgetChooserOptions {
  targetLatency: Latency;
  draftLatency: Latency;
  /** Candidate budgets (draft nodes per step). */
  budgets?: readonly number[];
  maxDepth?: number;
  draftCalls?: DraftCallMode;
  /** True when a budget-m tree is the first m nodes of every larger one (DySpec greedy): enables measured curves. */
  prefixConsistent?: boolean;
  prior?: AcceptancePrior;
  /**
   * Only the last `window` steps inform the costs, and the last `window` speculative steps the acceptance (which
   * drifts with the text; target-only steps say nothing about it).
   */
  window?: number;
  /** Switch budgets only when the new one is predicted this much faster (relative), to avoid flapping on noise. */
  hysteresis?: number;
  /** Every this-many-th choice tries a neighbouring budget (0 = never; default 16). */
  exploreEvery?: number;
  /**
   * Re-estimate every this-many choices and keep the budget in between (default 4): the estimate reads the whole
   * window of steps, and a few steps barely move it, so re-doing it before every step would cost more than it gains.
   */
  refreshEvery?: number;
}

/** A stateful chooser: call `choose` before each step (or each run) with the steps so far. */
export interface AdaptiveBudgetChooser {
  choose(steps: readonly StepRecord[]): number;
  /** Budgets chosen so far, one per call. */
  readonly history: readonly number[];
  /** The predictions behind the latest choice. */
  readonly lastPredictions: readonly BudgetPrediction[];
}

/** Default candidate budgets; 0 is a target-only step. */
export const DEFAULT_BUDGETS: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64];

/** Steps the estimates read by default (a few bench prompts' worth: one prompt's easy or hard text averages out). */
export const DEFAULT_WINDOW = 128;

/** Weight of the model, in steps, against the measured prefix curve. */
const MODEL_WEIGHT_STEPS = 4;

/** Creates the live chooser (see the file comment). */
export function createBudgetChooser(options: BudgetChooserOptions): AdaptiveBudgetChooser {
  const budgets = [...(options.budgets ?? DEFAULT_BUDGETS)].sort((a, b) => a - b);
  if (budgets.length === 0 || budgets.some((b) => !Number.isInteger(b) || b < 0)) {
    throw new RangeError(`budgets must be integers >= 0, got [${budgets.join(', ')}]`);
  }
  const maxNodes = Math.max(1, budgets[budgets.length - 1]);
  const prior = options.prior ?? DEFAULT_ACCEPTANCE_PRIOR;
  const window = options.window ?? DEFAULT_WINDOW;
  const hysteresis = options.hysteresis ?? 0.02;
  const exploreEvery = options.exploreEvery ?? 16;
  const refreshEvery = Math.max(1, options.refreshEvery ?? 4);
  const history: number[] = [];
  let lastPredictions: BudgetPrediction[] = [];
  let current: number | null = null;
  let explorations = 0;

  const choose = (allSteps: readonly StepRecord[]): number => {
    if (current === null || history.length % refreshEvery === 0) estimate(allSteps);
    let pick = current as number;
    if (exploreEvery > 0 && (history.length + 1) % exploreEvery === 0) {
      pick = neighbour(budgets, pick, explorations++ % 2 === 0 ? 1 : -1);
    }
    history.push(pick);
    return pick;
  };

  /** Re-estimates every budget from the window of steps and moves `current` when another is clearly better. */
  const estimate = (allSteps: readonly StepRecord[]): void => {
    const steps = allSteps.slice(Math.max(0, allSteps.length - window));
    const drafted = lastSpeculative(allSteps, window);
    const acceptance = posteriorAcceptance(countAcceptanceByRank(drafted, prior.rates.length), prior);
    const model = positionalCurve(acceptance, maxNodes, options.maxDepth ?? maxNodes, options.draftLatency);
    const curve = options.prefixConsistent
      ? {
          ...model,
          expected: blendCurve(model.expected, prefixAcceptedCurve(drafted, maxNodes)),
          internal: blendCurve(model.internal, prefixInternalCurve(drafted, maxNodes)),
        }
      : model;
    // A run's first step (index 0) also feeds the prompt to both models: its time is the prefill's, not its budget's.
    const timed = steps.filter((s) => s.index > 0);
    const cost = calibrate(timed, options, curve);
    lastPredictions = withObservedCosts(predictBudgets(curve, curve.expected, cost, budgets), timed);
    const best = bestPrediction(lastPredictions);
    const held = lastPredictions.find((p) => p.budget === current);
    if (!held || best.tokensPerSecond > held.tokensPerSecond * (1 + hysteresis)) current = best.budget;
  };
  return {
    choose,
    get history() {
      return history;
    },
    get lastPredictions() {
      return lastPredictions;
    },
  };
}

/** The next candidate above (`direction` 1) or below (-1) `budget`, or the other way when there is none. */
function neighbour(budgets: readonly number[], budget: number, direction: 1 | -1): number {
  const i = budgets.indexOf(budget);
  return budgets[i + direction] ?? budgets[i - direction] ?? budget;
}

/**
 * Replaces each prediction's step time by a blend with the observed mean step time of the steps that ran a tree of
 * exactly that many draft nodes, weighted by their count against MODEL_WEIGHT_STEPS steps of the model.
 */
function withObservedCosts(predictions: BudgetPrediction[], steps: readonly StepRecord[]): BudgetPrediction[] {
  const sum = new Map<number, { ms: number; count: number }>();
  for (const s of steps) {
    const nodes = s.tree.parents.length - 1;
    const entry = sum.get(nodes) ?? { ms: 0, count: 0 };
    entry.ms += s.timings.total;
    entry.count++;
    sum.set(nodes, entry);
  }
  return predictions.map((p) => {
    const seen = sum.get(p.budget);
    if (!seen) return p;
    const stepMs = blend(seen.ms / seen.count, seen.count, p.stepMs);
    return { ...p, stepMs, tokensPerSecond: ((1 + p.expectedAccepted) / stepMs) * 1000 };
  });
}

/** The one blending rule: a measured mean of `count` steps against MODEL_WEIGHT_STEPS steps of the model. */
function blend(measured: number, count: number, model: number): number {
  return (count * measured + MODEL_WEIGHT_STEPS * model) / (count + MODEL_WEIGHT_STEPS);
}

/** The last `window` steps that drafted anything (target-only steps carry no acceptance). */
function lastSpeculative(steps: readonly StepRecord[], window: number): StepRecord[] {
  const out: StepRecord[] = [];
  for (let i = steps.length - 1; i >= 0 && out.length < window; i--) {
    if (steps[i].tree.parents.length > 1) out.push(steps[i]);
  }
  return out.reverse();
}

/**
 * A per-budget curve: the measured prefix mean blended with the model where steps reached that size, and the
 * model's increments carried beyond the largest size measured (so the chooser can still decide to grow).
 */
function blendCurve(model: readonly number[], measured: { mean: number[]; count: number[] }): number[] {
  const out: number[] = [model[0]];
  for (let m = 1; m < model.length; m++) {
    const extended = out[m - 1] + model[m] - model[m - 1];
    const c = measured.count[m] ?? 0;
    out.push(c > 0 ? blend(measured.mean[m], c, extended) : extended);
  }
  return out;
}

/**
 * Timing calibration from observed steps: observed / predicted verify and draft time for the trees those steps had
 * (this also absorbs what the model leaves out, e.g. the growing past length and DySpec batching several first-child
 * expansions into one draft call). A prior of two steps at the profiled values keeps the early ratios sane.
 */
function calibrate(steps: readonly StepRecord[], options: BudgetChooserOptions, curve: TreeCurve): CostModel {
  const draftCalls = options.draftCalls ?? 'per-node';
  let verifyObs = 0;
  let verifyPred = 0;
  let draftObs = 0;
  let draftPred = 0;
  const sizes: number[] = [];
  const overheads: number[] = [];
  for (const s of steps) {
    verifyObs += s.timings.verify;
    verifyPred += latencyAt(options.targetLatency, s.tree.parents.length);
    draftObs += s.timings.draft;
    // Per-node builders: one expansion per internal node of the tree that ran; per-layer: the curve's batched layers.
    draftPred +=
      draftCalls === 'per-node'
        ? internalNodes(s.tree.parents) * latencyAt(options.draftLatency, 1)
        : predictedDraftMs(curve, draftCalls, options.draftLatency, s.tree.parents.length - 1);
    sizes.push(s.tree.parents.length);
    overheads.push(Math.max(0, s.timings.total - s.timings.draft - s.timings.verify));
  }
  const priorVerify = 2 * latencyAt(options.targetLatency, 1);
  const priorDraft = 2 * latencyAt(options.draftLatency, 1);
  return {
    targetLatency: options.targetLatency,
    draftLatency: options.draftLatency,
    draftCalls,
    verifyScale: (verifyObs + priorVerify) / (verifyPred + priorVerify),
    draftScale: (draftObs + priorDraft) / (draftPred + priorDraft),
    ...fitOverhead(sizes, overheads),
  };
}

/**
 * overhead(size) = fixed + perNode * size. A least-squares line when the steps had different tree sizes (an auto
 * run that changed budget); otherwise all of it per node, since a fixed budget cannot tell the two apart and most of
 * the work (a target distribution and a verifier check per node, the draws, the heap) grows with the tree.
 */
function fitOverhead(
  sizes: readonly number[],
  overheads: readonly number[],
): { overheadMs: number; overheadPerNodeMs: number } {
  const n = sizes.length;
  if (n === 0) return { overheadMs: 0, overheadPerNodeMs: 0 };
  const mx = sizes.reduce((a, b) => a + b, 0) / n;
  const my = overheads.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (sizes[i] - mx) ** 2;
    sxy += (sizes[i] - mx) * (overheads[i] - my);
  }
  if (sxx / n > 0.25) {
    const slope = Math.max(0, sxy / sxx);
    const fixed = my - slope * mx;
    if (fixed >= 0) return { overheadMs: fixed, overheadPerNodeMs: slope };
  }
  return { overheadMs: 0, overheadPerNodeMs: my / mx };
}
