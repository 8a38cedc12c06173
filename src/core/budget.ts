/**
 * Hardware-aware choice of the tree budget (the `auto` strategies; DESIGN.md §6).
 *
 * Throughput of a speculative step with a tree of n draft nodes is
 *
 *     tokens/s(n) = (1 + E[accepted](n)) / (t_target(n + 1) + draft(n) + overhead)
 *
 * where t_target is the measured verify latency for n + 1 tokens (root + drafts), draft(n) the draft calls needed
 * to grow the tree, and E[accepted](n) the expected accepted draft tokens of the best tree of n nodes. The chooser
 * evaluates this for every candidate budget and takes the argmax (budget-chooser.ts asks before every step with the
 * steps so far, so its acceptance and timing estimates, and hence the choice, follow the run).
 *
 * E[accepted](n) comes from two sources:
 * - the positional acceptance model of Sequoia (see builders/sequoia.ts): the k-th sampled child of a reached node
 *   is accepted with probability p_k, estimated from the steps so far with a Beta prior per rank. The best tree of
 *   n nodes is grown best-first (always add the frontier node with the highest reach probability); this is exactly
 *   optimal when p_1 >= p_2 >= ... (every node then has a reach no larger than its parent's and its earlier
 *   sibling's, so the n largest reaches form a valid tree) and a close lower bound otherwise, at O(n log n) instead
 *   of the DP's O(d K n^2), which matters because it runs before every step;
 * - for builders whose budget-m tree is the first m nodes of any larger-budget tree (DySpec's greedy heap pops in
 *   a fixed order, so node i of a budget-M tree is node i of every budget >= i tree), the observed steps give the
 *   accepted length every smaller budget would have had: the accepted path's nodes with index <= m. These measured
 *   values replace the model where data exists (with a few steps' weight on the model), and the model supplies the
 *   increments beyond the largest budget seen, so the chooser can still decide to grow.
 *
 * Pure: no I/O, no clocks. Latencies are given as measured tables (profile) or functions.
 */
import type { StepRecord } from './step';

/** Measured forward latency t(n) (milliseconds) for n new tokens, at increasing sizes. */
export interface LatencyTable {
  sizes: readonly number[];
  ms: readonly number[];
}

/** A latency as a table (interpolated) or a function of the token count. */
export type Latency = LatencyTable | ((n: number) => number);

/**
 * t(n) from a table: piecewise linear between measured sizes, flat below the first, and extended beyond the last
 * with the last segment's slope (never decreasing), since cost keeps growing with the token count.
 */
export function latencyAt(latency: Latency, n: number): number {
  if (typeof latency === 'function') return latency(n);
  const { sizes, ms } = latency;
  if (sizes.length === 0 || sizes.length !== ms.length) throw new RangeError('latency table needs matching sizes/ms');
  if (n <= sizes[0]) return ms[0];
  for (let i = 1; i < sizes.length; i++) {
    if (n <= sizes[i]) return ms[i - 1] + ((ms[i] - ms[i - 1]) * (n - sizes[i - 1])) / (sizes[i] - sizes[i - 1]);
  }
  const last = sizes.length - 1;
  if (last === 0) return ms[0];
  const slope = Math.max(0, (ms[last] - ms[last - 1]) / (sizes[last] - sizes[last - 1]));
  return ms[last] + slope * (n - sizes[last]);
}

/** Per-rank acceptance counts (index 0 = first-sampled child). */
export interface RankCounts {
  /** Children of that rank whose parent lies on the accepted path (so the verifier reached their parent). */
  examined: number[];
  /** Of those, the ones accepted. */
  accepted: number[];
}

/**
 * Counts per rank the marginal acceptance p_k the positional model needs (same definition as Sequoia's
 * `estimateAcceptanceByRank`, but as counts so a prior can be added).
 */
export function countAcceptanceByRank(steps: readonly StepRecord[], maxRank: number): RankCounts {
  const examined = new Array<number>(maxRank).fill(0);
  const accepted = new Array<number>(maxRank).fill(0);
  for (const step of steps) {
    const onPath = new Set(step.acceptedPath);
    const { parents, ranks } = step.tree;
    for (let i = 1; i < parents.length; i++) {
      if (ranks[i] >= maxRank || !onPath.has(parents[i])) continue;
      examined[ranks[i]]++;
      if (onPath.has(i)) accepted[ranks[i]]++;
    }
  }
  return { examined, accepted };
}

/** A Beta prior per rank: `strength` pseudo-observations at mean `rates[k]`. */
export interface AcceptancePrior {
  rates: readonly number[];
  strength: number;
}

/**
 * Draft latency the `auto` chooser starts from for table sources (@context, @corpus): a lookup and a distribution
 * cost microseconds, so the prior is near zero and the steps' measured draft time calibrates it (budget-chooser.ts).
 */
export const TABLE_DRAFT_LATENCY: Latency = { sizes: [1], ms: [0.01] };

/**
 * Default prior: p_1 = 0.5 halving per rank (sums to < 1 as marginals must), worth 4 steps. Weak on purpose: the
 * first few steps of the run replace it, and untried ranks keep a moderate value so the chooser may try them.
 */
export const DEFAULT_ACCEPTANCE_PRIOR: AcceptancePrior = {
  rates: Array.from({ length: 8 }, (_, k) => 0.5 / 2 ** k),
  strength: 4,
};

/**
 * Posterior-mean p_k per rank. Marginals of one parent's children are exclusive (they sum to at most 1), so each
 * rank is capped at the mass the earlier ranks leave; capping the later ranks rather than rescaling all keeps a
 * well-measured p_1 intact when the prior of a never-seen rank is too generous.
 */
export function posteriorAcceptance(counts: RankCounts, prior: AcceptancePrior = DEFAULT_ACCEPTANCE_PRIOR): number[] {
  let left = 1;
  return prior.rates.map((rate, k) => {
    const mean = ((counts.accepted[k] ?? 0) + prior.strength * rate) / ((counts.examined[k] ?? 0) + prior.strength);
    const p = Math.min(mean, left);
    left -= p;
    return p;
  });
}

/** What the best-first tree of each size looks like. Index n = tree of n draft nodes (index 0: the lone root). */
export interface TreeCurve {
  /** [maxNodes + 1] expected accepted draft tokens. */
  expected: number[];
  /** [maxNodes + 1] nodes with at least one child, the root included (one sequential draft call each, DySpec). */
  internal: number[];
  /** [maxNodes + 1] draft cost when each layer's internal nodes are expanded in one batched call (fixed/Sequoia). */
  layeredDraftMs: number[];
  /** [maxNodes + 1] depth. */
  depth: number[];
}

/**
 * Grows the best tree under the positional model one node at a time (see the file comment for why best-first is
 * optimal for non-increasing p_k) and records the curve for every size up to `maxNodes`.
 * @param acceptance [K] marginal p_k; a node has at most K children
 * @param draftLatency used only for `layeredDraftMs`
 */
export function positionalCurve(
  acceptance: readonly number[],
  maxNodes: number,
  maxDepth: number,
  draftLatency: Latency,
): TreeCurve {
  // Frontier: one candidate per existing node (its next unborn child); reach = reach(parent) * p_rank.
  interface Node {
    reach: number;
    depth: number;
    children: number;
  }
  const nodes: Node[] = [{ reach: 1, depth: 0, children: 0 }];
  const internalAtDepth: number[] = [];
  const curve: TreeCurve = { expected: [0], internal: [0], layeredDraftMs: [0], depth: [0] };
  let expected = 0;
  let internal = 0;
  let layered = 0;
  let depth = 0;
  for (let n = 1; n <= maxNodes; n++) {
    let best = -1;
    let bestReach = 0;
    for (let i = 0; i < nodes.length; i++) {
      const u = nodes[i];
      if (u.children >= acceptance.length || u.depth >= maxDepth) continue;
      const reach = u.reach * acceptance[u.children];
      if (reach > bestReach) {
        bestReach = reach;
        best = i;
      }
    }
    if (best < 0) {
      // Nothing left worth adding (all p_k = 0 or the shape is full): a bigger budget gains nothing.
      bestReach = 0;
      best = nodes.findIndex((u) => u.children < acceptance.length && u.depth < maxDepth);
      if (best < 0) best = nodes.length - 1;
    }
    const parent = nodes[best];
    if (parent.children === 0) {
      internal++;
      const c = internalAtDepth[parent.depth] ?? 0;
      layered += latencyAt(draftLatency, c + 1) - (c > 0 ? latencyAt(draftLatency, c) : 0);
      internalAtDepth[parent.depth] = c + 1;
    }
    parent.children++;
    nodes.push({ reach: bestReach, depth: parent.depth + 1, children: 0 });
    expected += bestReach;
    depth = Math.max(depth, parent.depth + 1);
    curve.expected.push(expected);
    curve.internal.push(internal);
    curve.layeredDraftMs.push(layered);
    curve.depth.push(depth);
  }
  return curve;
}

/**
 * Mean accepted draft tokens each budget m would have had, from steps of a prefix-consistent builder (DySpec greedy):
 * the accepted path's nodes with index <= m, over the steps whose tree had at least m draft nodes.
 * @returns mean[m] and the number of steps behind it, for m = 0..maxNodes
 */
export function prefixAcceptedCurve(
  steps: readonly StepRecord[],
  maxNodes: number,
): { mean: number[]; count: number[] } {
  return prefixCurve(steps, maxNodes, (step) => {
    const path = step.acceptedPath.slice(1);
    return (m) => path.reduce((n, node) => n + (node <= m ? 1 : 0), 0);
  });
}

/**
 * Mean internal nodes (nodes with at least one child, the root included: one expansion each) the first m nodes of
 * each step's tree have, for prefix-consistent builders: what growing a budget-m tree costs in draft expansions, as
 * measured, next to the positional model's `TreeCurve.internal`.
 * @returns mean[m] and the number of steps behind it, for m = 0..maxNodes
 */
export function prefixInternalCurve(
  steps: readonly StepRecord[],
  maxNodes: number,
): { mean: number[]; count: number[] } {
  return prefixCurve(steps, maxNodes, (step) => {
    const { parents } = step.tree;
    const seen = new Set<number>();
    return (m) => {
      if (m > 0) seen.add(parents[m]);
      return seen.size;
    };
  });
}

/**
 * Mean over steps of a value of each step's first m nodes, for m = 0..maxNodes; a step counts for the m its tree
 * reaches. `valueOf(step)` returns the step's value at m, called for m = 0, 1, ... in order (so it may keep state).
 */
function prefixCurve(
  steps: readonly StepRecord[],
  maxNodes: number,
  valueOf: (step: StepRecord) => (m: number) => number,
): { mean: number[]; count: number[] } {
  const sum = new Array<number>(maxNodes + 1).fill(0);
  const count = new Array<number>(maxNodes + 1).fill(0);
  for (const step of steps) {
    const size = Math.min(step.tree.parents.length - 1, maxNodes);
    const valueAt = valueOf(step);
    for (let m = 0; m <= size; m++) {
      count[m]++;
      sum[m] += valueAt(m);
    }
  }
  return { mean: sum.map((s, m) => (count[m] > 0 ? s / count[m] : 0)), count };
}

/** Internal nodes (one draft expansion each) of a recorded tree. */
export function internalNodes(parents: readonly number[]): number {
  return new Set(parents.slice(1)).size;
}

/** How a strategy family spends draft calls. */
export type DraftCallMode = 'per-node' | 'per-layer';

/** Everything the throughput prediction needs besides the tree curve. */
export interface CostModel {
  targetLatency: Latency;
  draftLatency: Latency;
  draftCalls: DraftCallMode;
  /**
   * Observed / profiled verify time of speculative steps (past length, warm-up, noise and the draft's calls between
   * the target's differ from the profile). A target-only step (budget 0) runs as the profile ran, target calls back
   * to back at one size, so it is priced from the profile unscaled.
   */
  verifyScale: number;
  /** Observed / predicted draft time. */
  draftScale: number;
  /** Per-step time outside the draft and verify calls (tree, commit, sampling), ms: the fixed part... */
  overheadMs: number;
  /** ...and the part per tree node (root included): target distributions, draws and heap work grow with the tree. */
  overheadPerNodeMs?: number;
}

/** The predicted outcome of one budget. */
export interface BudgetPrediction {
  budget: number;
  /** Expected accepted draft tokens per step. */
  expectedAccepted: number;
  /** Predicted step time, ms. */
  stepMs: number;
  /** Predicted tokens per second: (1 + expectedAccepted) / stepMs * 1000. */
  tokensPerSecond: number;
}

/** Predicts every candidate budget (each <= the curve's largest size). */
export function predictBudgets(
  curve: TreeCurve,
  expected: readonly number[],
  cost: CostModel,
  budgets: readonly number[],
): BudgetPrediction[] {
  return budgets.map((budget) => {
    const verify = latencyAt(cost.targetLatency, budget + 1) * (budget === 0 ? 1 : cost.verifyScale);
    const draft = predictedDraftMs(curve, cost.draftCalls, cost.draftLatency, budget) * cost.draftScale;
    const stepMs = verify + draft + cost.overheadMs + (cost.overheadPerNodeMs ?? 0) * (budget + 1);
    return {
      budget,
      expectedAccepted: expected[budget],
      stepMs,
      tokensPerSecond: ((1 + expected[budget]) / stepMs) * 1000,
    };
  });
}

/** Draft time of the curve's tree of `nodes` draft nodes (clamped to the curve), before calibration. */
export function predictedDraftMs(curve: TreeCurve, mode: DraftCallMode, draftLatency: Latency, nodes: number): number {
  const n = Math.max(0, Math.min(nodes, curve.internal.length - 1));
  return mode === 'per-node' ? curve.internal[n] * latencyAt(draftLatency, 1) : curve.layeredDraftMs[n];
}

/** The prediction with the most tokens per second (ties: the smaller budget). */
export function bestPrediction(predictions: readonly BudgetPrediction[]): BudgetPrediction {
  if (predictions.length === 0) throw new RangeError('no budgets to choose from');
  return predictions.reduce((best, p) => (p.tokensPerSecond > best.tokensPerSecond ? p : best));
}
