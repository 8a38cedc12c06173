/**
 * The live budget chooser of the `auto` strategies (docs/design.md §6): before every step it re-estimates acceptance
 * and costs from the steps so far and picks the budget with the most expected tokens per second (budget.ts has the
 * models). Budget 0 is a candidate: a target-only step, so where no tree pays for its verify and draft cost the
 * chooser stops speculating (and its probes keep measuring budget 1, so it returns when speculation pays).
 *
 * Every estimate is the model blended with what the steps measured, by one rule (`blend`: the measured mean weighted
 * by its step count against MODEL_WEIGHT_STEPS steps of the model): the accepted length and the draft expansions of
 * each budget (for prefix-consistent builders, read off the first m nodes of each step's tree) and the step time of
 * each budget that ran. Two things keep it honest on a real, noisy device:
 * - measured costs win over the profile: once a budget has run for a few steps, its observed step time (draft +
 *   verify + overhead, which includes effects no isolated profile sees, such as the target evicting the draft's
 *   weights from the CPU caches) is blended in, weighted by how often it ran (steady-state steps only: StepTimes);
 * - exploration: now and then a probe runs a neighbouring candidate budget for PROBE_STEPS steps (alternately the
 *   next larger and the next smaller one), so budgets the model misjudges get measured instead of never being
 *   tried. A probe costs: on a device where no tree pays, each one is a draft catch-up over every token since the
 *   last probe plus a wider verify (bench: probing every 16th step held `auto` at 92.5% of `ar`). So the gap to the
 *   next probe starts at `exploreEvery` and doubles, up to MAX_EXPLORE_FACTOR times that, after each probe that
 *   leaves the choice where it was; a probe that moves the choice brings it back to `exploreEvery`. A close call is
 *   no reason to probe more: choosing the slightly worse of two close budgets costs less than the probes would
 *   (bench, bundled pair: re-probing every 16 steps while budget 1 was predicted within 5% of budget 0 ran budget 1
 *   for a quarter of the steps, at 14% more time per token).
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
  /** The first gap, in choices, between probes of a neighbouring budget (0 = never probe; default 16). */
  exploreEvery?: number;
  /**
   * Re-estimate once this many new steps arrived (default DEFAULT_REFRESH_EVERY), and after each probe; keep the
   * budget in between: re-doing it before every step would cost more than it gains.
   */
  refreshEvery?: number;
  /**
   * What a step cost, ms (default: its own `timings.total`). The controller passes the wall time from the previous
   * step's end to this one's, which also holds the work between steps (planning, the chooser, observers) that differs
   * between strategies and that a target-only step barely has.
   */
  stepMs?: (step: StepRecord) => number;
}

/** A stateful chooser: call `choose` before each step (or each run) with the steps so far. */
export interface AdaptiveBudgetChooser {
  /**
   * @param steps the steps so far (the caller's list: the chooser reads the last `window`)
   * @param runIndex the index, within its run, of the step being chosen for, when known: a probe out of budget 0
   *   waits for a run's first step (see PROBE_FROM_ZERO)
   */
  choose(steps: readonly StepRecord[], runIndex?: number): number;
  /** Budgets chosen so far, one per call. */
  readonly history: readonly number[];
  /** Indices in `history` of the choices that probed a neighbouring budget (PROBE_STEPS in a row per probe). */
  readonly probes: readonly number[];
  /** The predictions behind the latest choice. */
  readonly lastPredictions: readonly BudgetPrediction[];
  /** Replaces the latency profiles the model prices budgets with (re-measured on a warm engine); steps are kept. */
  reprice(targetLatency: Latency, draftLatency: Latency): void;
}

/** Default candidate budgets; 0 is a target-only step. */
export const DEFAULT_BUDGETS: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64];

/** Steps the estimates read by default (a few bench prompts' worth: one prompt's easy or hard text averages out). */
export const DEFAULT_WINDOW = 128;

/**
 * New steps between re-estimates by default. An estimate reads the whole window (about 0.2 ms on the bundled pair, a
 * sixth of a target-only step there), and a few steps barely move it: every 16th keeps the chooser near 1% of a run.
 */
const DEFAULT_REFRESH_EVERY = 16;

/** The gap between probes grows to at most this many times `exploreEvery`. */
const MAX_EXPLORE_FACTOR = 8;

/**
 * Steps per probe: the first pays for the switch (see StepTimes), the second measures what the budget costs when
 * it is held.
 */
const PROBE_STEPS = 2;

/*
 * PROBE_FROM_ZERO: while budget 0 is held the draft sees no tokens, so a probe mid-run first makes the draft catch up
 * on the whole sequence (bench, bundled pair: probe steps took 3.0 ms against 2.2 ms held, and 16 probes in 18 runs
 * cost `auto` 3% against `ar`). A probe out of budget 0 therefore waits for a run's first step, whose target call
 * prefills the prompt anyway and where the draft has only the prompt to read, when the caller says which step it is.
 */

/** Step times remembered per tree size. */
const COST_MEMORY = 128;

/** Weight of the model, in steps, against the measured prefix curve. */
const MODEL_WEIGHT_STEPS = 4;

/** Creates the live chooser (see the file comment). */
export function createBudgetChooser(given: BudgetChooserOptions): AdaptiveBudgetChooser {
  const options = { ...given }; // `reprice` replaces its latencies
  const budgets = [...(options.budgets ?? DEFAULT_BUDGETS)].sort((a, b) => a - b);
  if (budgets.length === 0 || budgets.some((b) => !Number.isInteger(b) || b < 0)) {
    throw new RangeError(`budgets must be integers >= 0, got [${budgets.join(', ')}]`);
  }
  const maxNodes = Math.max(1, budgets[budgets.length - 1]);
  const prior = options.prior ?? DEFAULT_ACCEPTANCE_PRIOR;
  const window = options.window ?? DEFAULT_WINDOW;
  const hysteresis = options.hysteresis ?? 0.02;
  const exploreEvery = options.exploreEvery ?? 16;
  const refreshEvery = Math.max(1, options.refreshEvery ?? DEFAULT_REFRESH_EVERY);
  const history: number[] = [];
  const probes: number[] = [];
  let lastPredictions: BudgetPrediction[] = [];
  let current: number | null = null;
  let explorations = 0;
  let gap = exploreEvery;
  let lastProbe = 0; // index in `history` where the last probe started
  let nextProbe = exploreEvery - 1; // index in `history`
  const stepMs = options.stepMs ?? ((s: StepRecord) => s.timings.total);
  const stepTimes = new StepTimes(stepMs);
  let unestimated = 0; // steps arrived since the last estimate
  /** The probe under way or not yet judged: its first and last choice index, its budget, the budget held then. */
  let probe: { from: number; to: number; budget: number; held: number } | null = null;

  const choose = (allSteps: readonly StepRecord[], runIndex?: number): number => {
    unestimated += stepTimes.add(allSteps);
    const judged = probe?.to === history.length - 1 ? probe : null;
    if (current === null || judged || unestimated >= refreshEvery) {
      estimate(allSteps);
      unestimated = 0;
    }
    if (judged) {
      // Doubled from the gap that really passed: a probe out of budget 0 may have waited for a run's first step.
      const waited = judged.from - lastProbe;
      gap =
        current !== judged.held ? exploreEvery : Math.min(2 * Math.max(gap, waited), exploreEvery * MAX_EXPLORE_FACTOR);
      lastProbe = judged.from;
      nextProbe = judged.from + gap;
      probe = null;
    }
    let pick = current as number;
    if (probe) {
      pick = probe.budget;
    } else if (exploreEvery > 0 && history.length >= nextProbe && (current !== 0 || (runIndex ?? 0) === 0)) {
      pick = neighbour(budgets, pick, explorations++ % 2 === 0 ? 1 : -1);
      if (pick !== current) {
        probe = { from: history.length, to: history.length + PROBE_STEPS - 1, budget: pick, held: current as number };
      }
      nextProbe = history.length + gap;
    }
    if (probe) probes.push(history.length);
    history.push(pick);
    return pick;
  };

  /**
   * The accepted-length and draft-call curves from the last speculative steps, remade only when a speculative step
   * arrived: while budget 0 is held, most re-estimates see the same ones.
   */
  let curveMemo: { last: StepRecord | undefined; count: number; curve: TreeCurve } | null = null;
  const curveOf = (drafted: readonly StepRecord[]): TreeCurve => {
    const last = drafted[drafted.length - 1];
    if (curveMemo && curveMemo.last === last && curveMemo.count === drafted.length) return curveMemo.curve;
    const acceptance = posteriorAcceptance(countAcceptanceByRank(drafted, prior.rates.length), prior);
    const model = positionalCurve(acceptance, maxNodes, options.maxDepth ?? maxNodes, options.draftLatency);
    const curve = options.prefixConsistent
      ? {
          ...model,
          expected: blendCurve(model.expected, prefixAcceptedCurve(drafted, maxNodes)),
          internal: blendCurve(model.internal, prefixInternalCurve(drafted, maxNodes)),
        }
      : model;
    curveMemo = { last, count: drafted.length, curve };
    return curve;
  };

  /** Re-estimates every budget from the window of steps and moves `current` when another is clearly better. */
  const estimate = (allSteps: readonly StepRecord[]): void => {
    const steps = allSteps.slice(Math.max(0, allSteps.length - window));
    const curve = curveOf(lastSpeculative(allSteps, window));
    // A run's first step (index 0) also feeds the prompt to both models: its time is the prefill's, not its budget's.
    const timed = steps.filter((s) => s.index > 0);
    const cost = calibrate(timed, options, curve, stepMs);
    lastPredictions = withObservedCosts(predictBudgets(curve, curve.expected, cost, budgets), stepTimes);
    const best = bestPrediction(lastPredictions);

    const held = lastPredictions.find((p) => p.budget === current);
    if (!held || best.tokensPerSecond > held.tokensPerSecond * (1 + hysteresis)) current = best.budget;
  };
  return {
    choose,
    get history() {
      return history;
    },
    get probes() {
      return probes;
    },
    get lastPredictions() {
      return lastPredictions;
    },
    reprice(targetLatency, draftLatency) {
      options.targetLatency = targetLatency;
      options.draftLatency = draftLatency;
      curveMemo = null;
    },
  };
}

/** The next candidate above (`direction` 1) or below (-1) `budget`, or the other way when there is none. */
function neighbour(budgets: readonly number[], budget: number, direction: 1 | -1): number {
  const i = budgets.indexOf(budget);
  return budgets[i + direction] ?? budgets[i - direction] ?? budget;
}

/**
 * Replaces each prediction's step time by a blend with the mean time of the last steps that ran a tree of exactly
 * that many draft nodes, weighted by their count against MODEL_WEIGHT_STEPS steps of the model.
 */
function withObservedCosts(predictions: BudgetPrediction[], times: StepTimes): BudgetPrediction[] {
  return predictions.map((p) => {
    const count = times.count(p.budget);
    if (count === 0) return p;
    const stepMs = blend(times.mean(p.budget), count, p.stepMs);
    return { ...p, stepMs, tokensPerSecond: ((1 + p.expectedAccepted) / stepMs) * 1000 };
  });
}

/**
 * The last COST_MEMORY steady-state step times of every tree size (draft nodes), however long ago they ran: steps
 * that ran the same tree size as the step before them in the same run. A step that switched sizes (a probe, and the
 * step after it) pays for the switch: after target-only steps the draft catches up on every token since, and after
 * draft calls the target's weights are cold in the CPU caches (measured on the bundled pair: a lone target-only step
 * between speculative ones took 1.33 ms against 1.18 ms in a row). A run's first step also feeds the prompt to both
 * models: its time is the prefill's. Neither says what the size costs when it is held, so both are left out.
 */
class StepTimes {
  private readonly times = new Map<number, number[]>();
  private readonly seen = new WeakSet<StepRecord>();

  constructor(private readonly stepMs: (step: StepRecord) => number) {}

  /**
   * Takes in the steps after the last one seen: callers pass their whole list each time, growing at the end and
   * thinned out at the front (the controller drops old steps), so the new ones are those after the last seen one.
   * @returns how many steps were new
   */
  add(steps: readonly StepRecord[]): number {
    let from = steps.length;
    while (from > 0 && !this.seen.has(steps[from - 1])) from--;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i];
      this.seen.add(step);
      const before = i > 0 ? steps[i - 1] : null; // a list's first step: its predecessor is unknown
      const nodes = step.tree.parents.length - 1;
      if (!before || before.index !== step.index - 1 || before.tree.parents.length - 1 !== nodes) continue;
      const list = this.times.get(nodes) ?? [];
      list.push(this.stepMs(step));
      if (list.length > COST_MEMORY) list.shift();
      this.times.set(nodes, list);
    }
    return steps.length - from;
  }

  count(nodes: number): number {
    return this.times.get(nodes)?.length ?? 0;
  }

  mean(nodes: number): number {
    const list = this.times.get(nodes) ?? [];
    return list.reduce((a, b) => a + b, 0) / list.length;
  }
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
 * Timing calibration from observed steps: observed / predicted verify time of the speculative steps and draft time
 * for the trees those steps had (this also absorbs what the model leaves out, e.g. the growing past length, the
 * draft's calls cooling the target's caches and DySpec batching several first-child expansions into one draft call).
 * A prior of two steps at the profiled values keeps the early ratios sane.
 */
function calibrate(
  steps: readonly StepRecord[],
  options: BudgetChooserOptions,
  curve: TreeCurve,
  stepMs: (step: StepRecord) => number,
): CostModel {
  const draftCalls = options.draftCalls ?? 'per-node';
  let verifyObs = 0;
  let verifyPred = 0;
  let draftObs = 0;
  let draftPred = 0;
  const sizes: number[] = [];
  const overheads: number[] = [];
  for (const s of steps) {
    if (s.tree.parents.length > 1) {
      verifyObs += s.timings.verify;
      verifyPred += latencyAt(options.targetLatency, s.tree.parents.length);
    }
    draftObs += s.timings.draft;
    // Per-node builders: one expansion per internal node of the tree that ran; per-layer: the curve's batched layers.
    draftPred +=
      draftCalls === 'per-node'
        ? internalNodes(s.tree.parents) * latencyAt(options.draftLatency, 1)
        : predictedDraftMs(curve, draftCalls, options.draftLatency, s.tree.parents.length - 1);
    sizes.push(s.tree.parents.length);
    overheads.push(Math.max(0, stepMs(s) - s.timings.draft - s.timings.verify));
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
