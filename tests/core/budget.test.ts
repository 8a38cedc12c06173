import { describe, expect, it } from 'vitest';
import {
  bestPrediction,
  countAcceptanceByRank,
  latencyAt,
  positionalCurve,
  predictBudgets,
  prefixAcceptedCurve,
  type CostModel,
  type LatencyTable,
} from '../../src/core/budget';
import { createBudgetChooser } from '../../src/core/budget-chooser';
import { optimalSequoiaShape } from '../../src/core/builders/sequoia';
import { Rng } from '../../src/core/rng';
import type { StepRecord } from '../../src/core/step';
import { pathStep } from '../helpers/steps';

/** CPU-like verify cost: grows roughly linearly past a few tokens (DESIGN.md §6). */
const CPU_TARGET: LatencyTable = { sizes: [1, 2, 4, 8, 16, 32, 64], ms: [10, 11, 13, 18, 30, 55, 105] };
/** GPU-like verify cost: flat up to tens of tokens. */
const GPU_TARGET: LatencyTable = { sizes: [1, 2, 4, 8, 16, 32, 64], ms: [10, 10, 10, 10.2, 10.5, 11, 14] };
const DRAFT: LatencyTable = { sizes: [1, 2, 4, 8, 16, 32, 64], ms: [1, 1.1, 1.2, 1.5, 2, 3.5, 6] };

/**
 * A tree of `size` draft nodes in DySpec pop order (best-first by reach under the positional model, which is how
 * the greedy heap orders nodes), from the Sequoia-optimal shape.
 */
function popOrderedTree(p: readonly number[], size: number): { parents: number[]; ranks: number[] } {
  const shape = optimalSequoiaShape(p, size, size).parents;
  const reach: number[] = [];
  const rank: number[] = [];
  const count = shape.map(() => 0);
  shape.forEach((parent, i) => {
    rank.push(parent < 0 ? 0 : count[parent]++);
    reach.push(parent < 0 ? 1 : reach[parent] * p[rank[i]]);
  });
  const order = shape.map((_, i) => i).sort((a, b) => reach[b] - reach[a] || a - b);
  const newIndex = new Map(order.map((old, i) => [old, i] as const));
  return {
    parents: order.map((old) => (shape[old] < 0 ? -1 : (newIndex.get(shape[old]) as number))),
    ranks: order.map((old) => rank[old]),
  };
}

/**
 * Steps simulated under the positional model with true marginals `p`: at each reached node the k-th child is the
 * accepted one with probability p_k (exclusive), timings from the latency tables.
 */
function simulateSteps(
  p: readonly number[],
  budget: number,
  count: number,
  seed: number,
  target = CPU_TARGET,
): StepRecord[] {
  const rng = new Rng(seed);
  const { parents, ranks } = popOrderedTree(p, budget);
  const children = parents.map(() => [] as number[]);
  parents.forEach((parent, i) => parent >= 0 && children[parent].push(i));
  const steps: StepRecord[] = [];
  for (let s = 0; s < count; s++) {
    const path = [0];
    for (let node = 0; ;) {
      let u = rng.next();
      const next = children[node].find((c) => (u -= p[ranks[c]]) < 0);
      if (next === undefined) break;
      path.push(next);
      node = next;
    }
    const n = parents.length;
    const verify = latencyAt(target, n);
    const draftCalls = children.filter((c) => c.length > 0).length;
    const draft = draftCalls * latencyAt(DRAFT, 1);
    const timings = { draft, verify, tree: 0.1, commit: 0.1, sampling: 0.1, total: draft + verify + 0.3 };
    // ranks of a pop-ordered tree count earlier siblings, as pathStep derives them
    steps.push(pathStep(parents, path, { index: s, emitted: path.map(() => 0), draftCalls, timings }, 'unvisited'));
  }
  return steps;
}

/** Costs straight from the latency tables (no calibration), one draft call per node, a fixed overhead per step. */
function unscaledCost(target: LatencyTable, overheadMs: number): CostModel {
  return {
    targetLatency: target,
    draftLatency: DRAFT,
    draftCalls: 'per-node',
    verifyScale: 1,
    draftScale: 1,
    overheadMs,
  };
}

/** True tokens/s of every budget under the positional model with marginals `p`. */
function trueThroughput(p: readonly number[], budgets: readonly number[], target: LatencyTable): Map<number, number> {
  const curve = positionalCurve(p, 64, 64, DRAFT);
  return new Map(
    predictBudgets(curve, curve.expected, unscaledCost(target, 0.3), budgets).map((x) => [x.budget, x.tokensPerSecond]),
  );
}

/** The first choice of each probe (a probe is consecutive choice indices). */
function probeStarts(probes: readonly number[]): number[] {
  return probes.filter((p, k) => k === 0 || probes[k - 1] !== p - 1);
}

const BUDGETS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
const HIGH = [0.8, 0.1, 0.04, 0.02];
const LOW = [0.35, 0.15, 0.08, 0.04];

describe('latencyAt', () => {
  it('interpolates between measured sizes, clamps below and extends the last slope above', () => {
    const t: LatencyTable = { sizes: [1, 4, 8], ms: [2, 5, 9] };
    expect(latencyAt(t, 1)).toBe(2);
    expect(latencyAt(t, 0)).toBe(2);
    expect(latencyAt(t, 2)).toBeCloseTo(3);
    expect(latencyAt(t, 6)).toBeCloseTo(7);
    expect(latencyAt(t, 12)).toBeCloseTo(13);
    expect(latencyAt((n) => n * 3, 4)).toBe(12);
  });
});

describe('positionalCurve', () => {
  it('matches the Sequoia DP optimum for non-increasing acceptance', () => {
    for (const p of [HIGH, LOW, [0.6, 0.3], [0.5, 0.25, 0.125, 0.0625]]) {
      const curve = positionalCurve(p, 12, 12, DRAFT);
      for (let n = 1; n <= 12; n++) {
        expect(curve.expected[n]).toBeCloseTo(optimalSequoiaShape(p, n, n).expectedAcceptedLength, 9);
      }
    }
  });

  it('respects the depth cap (a chain under depth 2 holds two nodes of value p1 and p1^2)', () => {
    const curve = positionalCurve([0.9], 4, 2, DRAFT);
    expect(curve.expected[2]).toBeCloseTo(0.9 + 0.81);
    expect(curve.expected[4]).toBeCloseTo(0.9 + 0.81); // no room: extra nodes add nothing
    expect(curve.depth[2]).toBe(2);
  });
});

describe('prefixAcceptedCurve', () => {
  it('counts the accepted path nodes inside each budget prefix', () => {
    const [step] = simulateSteps(HIGH, 6, 1, 3);
    step.acceptedPath = [0, 1, 3];
    const { mean, count } = prefixAcceptedCurve([step], 8);
    expect(mean.slice(0, 7)).toEqual([0, 1, 1, 2, 2, 2, 2]);
    expect(count.slice(6)).toEqual([1, 0, 0]);
  });
});

describe('budget choice', () => {
  it('picks the argmax of predicted throughput', () => {
    const curve = positionalCurve(HIGH, 64, 64, DRAFT);
    const cost = unscaledCost(CPU_TARGET, 0);
    const predictions = predictBudgets(curve, curve.expected, cost, BUDGETS);
    const best = bestPrediction(predictions);
    for (const p of predictions) expect(best.tokensPerSecond).toBeGreaterThanOrEqual(p.tokensPerSecond);
    const flat = bestPrediction(predictBudgets(curve, curve.expected, { ...cost, targetLatency: GPU_TARGET }, BUDGETS));
    // Flat verify cost pays for bigger trees (DESIGN.md §6).
    expect(flat.budget).toBeGreaterThan(best.budget);
  });

  it('lands within 5% of the best budget once it has seen the run', () => {
    for (const [p, target] of [
      [HIGH, CPU_TARGET],
      [LOW, CPU_TARGET],
      [HIGH, GPU_TARGET],
    ] as const) {
      const chooser = createBudgetChooser({
        targetLatency: target,
        draftLatency: DRAFT,
        budgets: BUDGETS,
        prefixConsistent: true,
      });
      const steps: StepRecord[] = [];
      for (let run = 0; run < 8; run++) steps.push(...simulateSteps(p, chooser.choose(steps), 16, run, target));
      const truth = trueThroughput(p, BUDGETS, target);
      const best = Math.max(...truth.values());
      const pick = chooser.choose(steps);
      expect(truth.get(pick) as number).toBeGreaterThanOrEqual(0.95 * best);
    }
  });

  it('adapts when the acceptance changes', () => {
    const chooser = createBudgetChooser({
      targetLatency: CPU_TARGET,
      draftLatency: DRAFT,
      budgets: BUDGETS,
      prefixConsistent: true,
      window: 48,
    });
    const steps: StepRecord[] = [];
    for (let run = 0; run < 4; run++) steps.push(...simulateSteps(LOW, chooser.choose(steps), 16, run));
    const lowChoice = chooser.choose(steps);
    for (let run = 0; run < 6; run++) steps.push(...simulateSteps(HIGH, chooser.choose(steps), 16, 100 + run));
    const highChoice = chooser.choose(steps);
    expect(highChoice).toBeGreaterThan(lowChoice);
    expect(chooser.history.length).toBeGreaterThanOrEqual(12);
    const counts = countAcceptanceByRank(steps.slice(-48), 2);
    expect(counts.accepted[0] / counts.examined[0]).toBeGreaterThan(0.7); // the window holds the new regime
  });
});

describe('live chooser on a device its profile misjudges', () => {
  /** A profile that overstates the cost of bigger trees (noise, a busy machine while profiling). */
  const STEEP: LatencyTable = { sizes: [1, 2, 4, 8, 16, 32, 64], ms: [10, 16, 24, 34, 50, 80, 140] };

  /** Chooses before every step, runs that step on the true device, for `count` steps (one run: indices 0, 1, ...). */
  function run(chooser: ReturnType<typeof createBudgetChooser>, count: number): StepRecord[] {
    const steps: StepRecord[] = [];
    for (let s = 0; s < count; s++) {
      const [step] = simulateSteps(HIGH, chooser.choose(steps), 1, s, CPU_TARGET);
      steps.push({ ...step, index: s });
    }
    return steps;
  }

  it('probes the neighbours of its choice, alternately up and down, first after 16 choices', () => {
    const chooser = createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, budgets: BUDGETS });
    run(chooser, 256);
    const h = chooser.history;
    expect(h).toHaveLength(256);
    // Each probe runs its budget for two choices in a row.
    const starts = probeStarts(chooser.probes);
    expect(chooser.probes).toEqual(starts.flatMap((i) => [i, i + 1]).filter((i) => i < h.length));
    expect(starts[0]).toBe(15);
    // Each probe tries a neighbour of the budget held just before it, the next larger and the next smaller in turn.
    const directions = starts.map((i) => {
      const held = BUDGETS.indexOf(h[i - 1]);
      const tried = BUDGETS.indexOf(h[i]);
      expect(Math.abs(tried - held)).toBe(1);
      return Math.sign(tried - held);
    });
    directions.slice(1).forEach((d, k) => expect(d).toBe(-directions[k]));
    // The gaps between probes are 16 doubled a few times (at most 8 times).
    for (let k = 1; k < starts.length; k++) expect([16, 32, 64, 128]).toContain(starts[k] - starts[k - 1]);
    const quiet = createBudgetChooser({ ...{ targetLatency: CPU_TARGET, draftLatency: DRAFT }, exploreEvery: 0 });
    run(quiet, 32);
    expect(quiet.probes).toEqual([]);
    // Without exploration the budget only moves when the estimate is refreshed (once 16 new steps arrived).
    quiet.history.forEach((pick, i) => i % 16 !== 0 && expect(pick).toBe(quiet.history[i - 1]));
  });

  it('measured step times overrule the profile: it ends within 5% of the true best budget', () => {
    const truth = trueThroughput(HIGH, BUDGETS, CPU_TARGET);
    const best = Math.max(...truth.values());
    const chooser = createBudgetChooser({
      targetLatency: STEEP,
      draftLatency: DRAFT,
      budgets: BUDGETS,
      prefixConsistent: true,
      window: 256,
    });
    expect(truth.get(chooser.choose([])) as number).toBeLessThan(0.95 * best); // the profile alone misleads it
    run(chooser, 800);
    const from = chooser.history.length - 80;
    const held = chooser.history.slice(from).filter((_, i) => !chooser.probes.includes(from + i));
    // Noise may move it for a step or two; nearly every held choice is a good one.
    const good = held.filter((pick) => (truth.get(pick) as number) >= 0.95 * best);
    expect(good.length).toBeGreaterThanOrEqual(0.9 * held.length);
  });
});

describe('budget 0: no speculation', () => {
  /**
   * Steps of a chain of `budget` draft nodes on a device with CPU_TARGET verify cost and DRAFT per node, each draft
   * token accepted with probability `alpha` until the first rejection (budget 0: a target-only step). Step `index`
   * 0 of a run also prefills a prompt, which costs `prefillMs` more verify time.
   */
  function chainStep(budget: number, alpha: number, rng: Rng, index: number, prefillMs = 0): StepRecord {
    const parents = Array.from({ length: budget + 1 }, (_, i) => i - 1);
    const path = [0];
    while (path.length <= budget && rng.next() < alpha) path.push(path.length);
    const verify = latencyAt(CPU_TARGET, budget + 1) + (index === 0 ? prefillMs : 0);
    const draft = budget * latencyAt(DRAFT, 1);
    const timings = { draft, verify, tree: 0, commit: 0, sampling: 0, total: draft + verify };
    return pathStep(parents, path, { index, emitted: path.map(() => 0), draftCalls: budget, timings });
  }

  /** `count` steps chosen one at a time, in runs of `runLength` steps (indices restart at 0 each run). */
  function drive(
    chooser: ReturnType<typeof createBudgetChooser>,
    steps: StepRecord[],
    count: number,
    alpha: number,
    options: { seed: number; runLength?: number; prefillMs?: number; tellIndex?: boolean },
  ): void {
    const rng = new Rng(options.seed);
    const runLength = options.runLength ?? count;
    for (let s = 0; s < count; s++) {
      const index = s % runLength;
      const budget = chooser.choose(steps, options.tellIndex ? index : undefined);
      steps.push(chainStep(budget, alpha, rng, index, options.prefillMs));
    }
  }

  it('is a default candidate; budgets below 0 are refused', () => {
    expect(() => createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, budgets: [-1, 2] })).toThrow(
      RangeError,
    );
    expect(() => createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, budgets: [1.5] })).toThrow(
      RangeError,
    );
    const chooser = createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT });
    chooser.choose([]);
    expect(chooser.lastPredictions.map((p) => p.budget)).toContain(0);
    const only = createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, budgets: [0] });
    const steps: StepRecord[] = [];
    drive(only, steps, 40, 0.9, { seed: 1 }); // exploration has no neighbour to go to
    expect(new Set(only.history)).toEqual(new Set([0]));
  });

  it('stops speculating when no tree pays, probes budget 1 ever more rarely, and comes back once drafts are accepted', () => {
    const chooser = createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, prefixConsistent: true });
    const steps: StepRecord[] = [];
    drive(chooser, steps, 512, 0.02, { seed: 2, runLength: 64 }); // a useless draft
    const isProbe = (i: number) => chooser.probes.includes(i);
    const late = chooser.history.map((b, i) => ({ b, i })).slice(-256);
    expect(late.filter((c) => !isProbe(c.i)).every((c) => c.b === 0)).toBe(true);
    const lateProbes = late.filter((c) => isProbe(c.i));
    expect(lateProbes.every((c) => c.b === 1)).toBe(true); // 0's only neighbour
    // Losing probes double the gap up to 8 x 16 steps: at most 3 probes (of 2 steps) in the last 256 choices, not 16.
    expect(lateProbes.length).toBeGreaterThanOrEqual(2);
    expect(lateProbes.length).toBeLessThanOrEqual(6);
    drive(chooser, steps, 512, 0.9, { seed: 3, runLength: 64 }); // the text turned easy
    const back = chooser.history.slice(-64).filter((_, i) => !isProbe(1024 - 64 + i));
    expect(back.every((b) => b > 0)).toBe(true);
    // A probe that beats the held budget brings the gap back to 16.
    const starts = probeStarts(chooser.probes);
    const gaps = starts.slice(1).map((p, k) => p - starts[k]);
    expect(gaps).toContain(128);
    expect(gaps.slice(gaps.indexOf(128))).toContain(16);
  });

  it("out of budget 0, probes wait for a run's first step, and the gap doubles from the one that passed", () => {
    const chooser = createBudgetChooser({ targetLatency: CPU_TARGET, draftLatency: DRAFT, prefixConsistent: true });
    const steps: StepRecord[] = [];
    drive(chooser, steps, 1024, 0.02, { seed: 5, runLength: 40, tellIndex: true }); // a useless draft
    const starts = probeStarts(chooser.probes);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    // After the first choices, every probe starts a run: where the draft has only the prompt to catch up on.
    const fromZero = starts.filter((i) => chooser.history[i - 1] === 0);
    expect(fromZero.length).toBeGreaterThanOrEqual(3);
    for (const i of fromZero) expect(i % 40).toBe(0);
    // Waiting counts: the gaps (multiples of 40) grow to the cap of 8 x 16 steps rather than probing every run.
    const gaps = fromZero.slice(1).map((p, k) => p - fromZero[k]);
    expect(gaps.every((g) => g >= 80)).toBe(true);
    expect(gaps.every((g) => g <= 160)).toBe(true);
  });

  it("leaves a run's first step (the prompt's prefill) out of every budget's measured step time", () => {
    // Runs of 8 target-only steps whose first step also prefills a long prompt (300 ms more).
    const chooser = createBudgetChooser({
      targetLatency: CPU_TARGET,
      draftLatency: DRAFT,
      budgets: [0, 1],
      exploreEvery: 0,
    });
    const steps: StepRecord[] = [];
    const rng = new Rng(4);
    for (let s = 0; s < 64; s++) steps.push(chainStep(0, 0, rng, s % 8, 300));
    chooser.choose(steps);
    const ar = chooser.lastPredictions.find((p) => p.budget === 0);
    expect(ar?.stepMs).toBeCloseTo(latencyAt(CPU_TARGET, 1), 9); // 10 ms, as every other step measured
  });
});
