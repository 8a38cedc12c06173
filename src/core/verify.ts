/**
 * Lossless verification of a token tree by the target (DESIGN.md §4).
 *
 * Stochastic (temperature > 0): recursive rejection sampling over the children of each node, the multi-draft form of
 * speculative sampling (Leviathan et al., 2023; SpecInfer, ASPLOS 2024; the without-replacement variant used by
 * Sequoia, NeurIPS 2024, and DySpec, arXiv 2410.11744). At a node with target distribution p:
 *
 *   R = p
 *   for child c in sampling order, with D = the distribution c was drawn from (its stored `sampledFrom`):
 *     accept c with probability min(1, R[c] / D[c]) and descend into it
 *     else R = norm((R - D)+)
 *   bonus ~ R                       (at a leaf: bonus ~ p)
 *
 * DESIGN.md writes the sibling update as `D[c] = 0; D = norm(D)`; for children drawn without replacement that is
 * exactly the next child's stored `sampledFrom`, so reading it from the tree is the same rule. Each accepted token is
 * then distributed as p whatever the draft did, so the output law is the target's.
 *
 * Greedy (temperature 0): p is one-hot on the target's argmax, and the general ratio would divide by zero, so it is
 * special-cased: accept the child whose token is the argmax, else the argmax is the bonus.
 */
import type { Rng } from './rng';
import { normalizeInPlace, sampleIndex } from './sampling';
import type { NodeDecision } from './step';
import type { TokenTree } from './tree';

/** What the verifier decided for one tree. */
export interface Verification {
  /** Node indices of the accepted path, root first (accepted draft tokens = length - 1). */
  acceptedPath: number[];
  /** The token the target emits after the accepted path. */
  bonusToken: number;
  /** [n] verdict per node: the root is accepted; children never examined are unvisited. */
  decisions: NodeDecision[];
  /** [n] target probability p of the node's token at its parent, for every examined child; null elsewhere. */
  targetProbs: (number | null)[];
}

/**
 * Walks the tree from the root and decides which path the target accepts.
 * @param targetDist the target distribution p at a node ([vocab], after temperature / top-k / top-p); called at most
 *   once per node and only for nodes the walk reaches, so a large vocabulary costs nothing for unvisited nodes
 * @param greedyTarget at temperature 0, the target's argmax token at a node (then `targetDist` is never called);
 *   null at temperature > 0
 * @param rng the step's random stream (unused when greedy)
 */
export function verifyTree(
  tree: TokenTree,
  targetDist: (node: number) => Float32Array,
  greedyTarget: ((node: number) => number) | null,
  rng: Rng,
): Verification {
  const n = tree.size;
  const decisions: NodeDecision[] = new Array<NodeDecision>(n).fill('unvisited');
  const targetProbs: (number | null)[] = new Array<number | null>(n).fill(null);
  const acceptedPath = [0];
  decisions[0] = 'accepted';
  let node = 0;
  for (;;) {
    const step = greedyTarget
      ? verifyGreedyNode(tree, node, greedyTarget(node))
      : verifyStochasticNode(tree, node, targetDist(node), rng);
    for (const [child, p] of step.examined) {
      targetProbs[child] = p;
      decisions[child] = child === step.accepted ? 'accepted' : 'rejected';
    }
    if (step.accepted < 0) return { acceptedPath, bonusToken: step.bonus, decisions, targetProbs };
    node = step.accepted;
    acceptedPath.push(node);
  }
}

/** The outcome at one node: the accepted child (-1 if none, then `bonus` is the emitted token). */
interface NodeOutcome {
  accepted: number;
  bonus: number;
  /** [child, target probability of its token] for each child examined, in order. */
  examined: [number, number][];
}

/** Temperature 0: the child equal to the target's argmax, if any. */
function verifyGreedyNode(tree: TokenTree, node: number, best: number): NodeOutcome {
  const examined: [number, number][] = [];
  for (const child of tree.children[node]) {
    const hit = tree.tokens[child] === best;
    examined.push([child, hit ? 1 : 0]);
    if (hit) return { accepted: child, bonus: -1, examined };
  }
  return { accepted: -1, bonus: best, examined };
}

/** Temperature > 0: recursive rejection sampling over the children in sampling order. */
function verifyStochasticNode(tree: TokenTree, node: number, p: Float32Array, rng: Rng): NodeOutcome {
  const examined: [number, number][] = [];
  let residual = p; // R; copied before the first update, so the caller's p is never modified
  for (const child of tree.children[node]) {
    const token = tree.tokens[child];
    const drawnFrom = tree.sampledFrom[child]; // D: [vocab]
    if (!drawnFrom || !(drawnFrom[token] > 0)) {
      throw new Error(`node ${child}: token ${token} has no mass in the distribution it was sampled from`);
    }
    examined.push([child, p[token]]);
    // u ~ U[0, 1): P(u * D < R) = min(1, R / D).
    if (rng.next() * drawnFrom[token] < residual[token]) return { accepted: child, bonus: -1, examined };
    residual = subtractResidual(residual, drawnFrom, token);
  }
  return { accepted: -1, bonus: sampleIndex(residual, rng), examined };
}

/**
 * norm((R - D)+) after `rejected` (drawn from D) was turned down.
 *
 * In exact arithmetic the residual has mass whenever a rejection can happen (a rejection has probability
 * sum((D - R)+) = sum((R - D)+)). In floating point R and D can be equal up to rounding, so a rejection with a tiny
 * probability may leave a residual whose mass is zero or pure rounding noise. Then the rejection itself came from
 * rounding, and the closest exact behaviour is to keep R without the rejected token (and R itself if that is all R had).
 */
function subtractResidual(residual: Float32Array, drawnFrom: Float32Array, rejected: number): Float32Array {
  const next = new Float32Array(residual.length); // [vocab]
  for (let i = 0; i < next.length; i++) next[i] = Math.max(residual[i] - drawnFrom[i], 0);
  if (normalizeInPlace(next) > RESIDUAL_EPSILON) return next;
  const fallback = residual.slice();
  fallback[rejected] = 0;
  return normalizeInPlace(fallback) > 0 ? fallback : residual.slice();
}

/** Residual mass below this is float32 rounding noise (distributions are float32, ~1e-7 relative precision). */
const RESIDUAL_EPSILON = 1e-6;
