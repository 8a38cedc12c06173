/**
 * Sequoia trees (Chen et al., "Sequoia: Scalable, Robust, and Hardware-aware Speculative Decoding", NeurIPS 2024).
 *
 * The acceptance model (Sequoia's "positional acceptance assumption"): the verifier accepts the child of an
 * accepted node that was sampled k-th (k = 1, 2, ...) with a probability p_k that depends on k only. Accepting one
 * child excludes its siblings, so p_k is the marginal P(the k-th child is the accepted one | parent accepted), and a
 * node that is the k-th child of its parent is reached with probability reach(parent) · p_k, reach(root) = 1. The
 * children of a node are always its first ranks 1..c (sampling draws them in that order), and no node has more than
 * K = acceptance.length children. The expected number of accepted draft tokens of a tree is the sum of reach over its
 * non-root nodes (tau - 1: the bonus token comes on top).
 *
 * `optimalSequoiaShape` finds the best shape of n nodes and depth <= d by dynamic programming, and `sequoiaBuilder`
 * grows a tree of that shape from the draft layer by layer. The p_k are measured from past steps by
 * `countAcceptanceByRank` (budget.ts).
 */
import { InvalidSettingError } from '../errors';
import { sampleWithoutReplacement } from '../sampling';
import type { TreeBuilder } from './types';

/** A tree shape: `parents[0] = -1` is the root, then n nodes, parents before children, siblings in rank order. */
export interface TreeShape {
  /** [n + 1] parent of each node, -1 for the root (the same layout as `TokenTree.parents`). */
  parents: number[];
}

/** The optimal shape and its value under the positional acceptance model. */
export interface SequoiaShape extends TreeShape {
  /** Expected accepted draft tokens per step under the model (tau - 1). */
  expectedAcceptedLength: number;
}

/** Expected accepted draft tokens of a shape under the positional model (children of rank > K are never accepted). */
export function expectedAcceptedLength(parents: readonly number[], acceptance: readonly number[]): number {
  const reach: number[] = [];
  const childCount: number[] = [];
  let total = 0;
  for (let i = 0; i < parents.length; i++) {
    childCount.push(0);
    const p = parents[i];
    if (p < 0) {
      reach.push(1);
      continue;
    }
    const rank = childCount[p]++; // 0-based: the (rank + 1)-th child
    reach.push(reach[p] * (acceptance[rank] ?? 0));
    total += reach[i];
  }
  return total;
}

/** DP tables for every subtree size up to `n + 1` and every height up to `maxDepth`. */
interface SequoiaTables {
  /** best[d][s]: best value of a subtree of s nodes (its root included) and height <= d; -Infinity if none exists. */
  best: number[][];
  /** split[d][k][m]: size of the rank-k child's subtree in the best use of m nodes by children of ranks k..K-1. */
  split: Int32Array[][];
}

/**
 * The DP. A subtree's value is the sum of its descendants' reach relative to its root. For a node of height budget d,
 * g(k, m) = best value of m nodes spread over the subtrees of its children of ranks k, k+1, ... (0-based; a child of
 * rank k exists only if rank k-1 does):
 *   g(k, 0) = 0,   g(K, m > 0) = -inf,
 *   g(k, m) = max over s = 1..m of  p_k · (1 + best[d-1][s]) + g(k+1, m-s),
 * and best[d][s] = g(0, s-1). O(maxDepth · K · n²) time.
 */
function solve(acceptance: readonly number[], n: number, maxDepth: number): SequoiaTables {
  const K = acceptance.length;
  const size = n + 1; // g(k, m) for m in [0, n]; best[d][s] for s in [0, n + 1]
  const best: number[][] = [Array.from({ length: size + 1 }, (_, s) => (s === 1 ? 0 : -Infinity))];
  const split: Int32Array[][] = [[]];
  for (let d = 1; d <= maxDepth; d++) {
    const below = best[d - 1];
    const splitD: Int32Array[] = [];
    let next = Array.from({ length: size }, (_, m) => (m === 0 ? 0 : -Infinity)); // g(K, m)
    for (let k = K - 1; k >= 0; k--) {
      const g = new Array<number>(size).fill(-Infinity); // g(k, m) for m in [0, n]
      const choice = new Int32Array(size); // [m]
      g[0] = 0;
      for (let m = 1; m < size; m++) {
        for (let s = 1; s <= m; s++) {
          if (below[s] === -Infinity || next[m - s] === -Infinity) continue; // no such subtree (and 0 · -inf is NaN)
          const v = acceptance[k] * (1 + below[s]) + next[m - s];
          if (v > g[m]) {
            g[m] = v; // strict: ties keep the smallest first subtree, so the shape is deterministic
            choice[m] = s;
          }
        }
      }
      splitD[k] = choice;
      next = g;
    }
    split.push(splitD);
    best.push(Array.from({ length: size + 1 }, (_, s) => (s === 0 ? -Infinity : next[s - 1])));
  }
  return { best, split };
}

/** Rebuilds the best shape of `n` nodes and height <= `depth` from the tables, breadth first. */
function shapeFrom(tables: SequoiaTables, n: number, depth: number): number[] {
  const parents = [-1];
  const queue: { node: number; height: number; size: number }[] = [{ node: 0, height: depth, size: n + 1 }];
  for (let head = 0; head < queue.length; head++) {
    const { node, height, size } = queue[head];
    let m = size - 1;
    for (let k = 0; m > 0; k++) {
      const s = tables.split[height][k][m];
      queue.push({ node: parents.length, height: height - 1, size: s });
      parents.push(node);
      m -= s;
    }
  }
  return parents;
}

function checkInputs(acceptance: readonly number[], n: number, maxDepth: number): void {
  acceptance.forEach((p, k) => {
    if (!(p >= 0 && p <= 1)) {
      throw new InvalidSettingError('acceptance', `acceptance p_${k + 1} must be in [0, 1], got ${p}`);
    }
  });
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidSettingError('budget', `node count must be an integer >= 0, got ${n}`);
  }
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new InvalidSettingError('depth', `max depth must be an integer >= 0, got ${maxDepth}`);
  }
}

/**
 * The tree of exactly `n` draft nodes (root excluded), depth <= `maxDepth` and at most `acceptance.length` children
 * per node that maximises the expected accepted length under the positional model.
 * @param acceptance [K] p_1..p_K: probability that the k-th sampled child of a reached node is accepted
 * @returns parents in breadth-first order (parents before children, siblings in rank order) and the optimum
 */
export function optimalSequoiaShape(acceptance: readonly number[], n: number, maxDepth: number): SequoiaShape {
  checkInputs(acceptance, n, maxDepth);
  const depth = Math.min(maxDepth, n); // a tree of n nodes is never deeper than n
  const tables = solve(acceptance, n, depth);
  const value = tables.best[depth][n + 1];
  if (value === -Infinity) {
    throw new InvalidSettingError(
      'budget',
      `no tree of ${n} nodes has depth <= ${maxDepth} with at most ${acceptance.length} children per node`,
    );
  }
  return { parents: shapeFrom(tables, n, depth), expectedAcceptedLength: value };
}

/**
 * Grows a tree of the given shape: one batched draft call per layer, the children of each node drawn without
 * replacement from its draft distribution (top-k at temperature 0), in rank order. When the draft's distribution
 * has fewer tokens than the shape asks for, the missing children and their subtrees are left out; `ctx.maxNodes`
 * cuts the shape in breadth-first order.
 *
 * Each node stores the distribution it was drawn from, q(token) under its parent's full draft distribution, and the
 * same draft-based estimate of being reached as DySpec uses (reach(parent) · the mass left for the k-th draw ·
 * the drawn token's probability in it), so estimates compare across builders.
 */
export function sequoiaBuilder(shape: TreeShape): TreeBuilder {
  const { parents } = shape;
  if (parents[0] !== -1) throw new InvalidSettingError('shape', 'shape.parents[0] must be -1 (the root)');
  const children: number[][] = parents.map(() => []); // [n + 1] shape children in rank order
  for (let i = 1; i < parents.length; i++) {
    const p = parents[i];
    if (!Number.isInteger(p) || p < 0 || p >= i) {
      throw new InvalidSettingError('shape', `shape.parents[${i}] = ${p}: a parent must be an earlier node`);
    }
    children[p].push(i);
  }
  return async (ctx) => {
    const tree = ctx.tree;
    let layer: { shape: number; node: number }[] = [{ shape: 0, node: 0 }];
    while (layer.length > 0) {
      // Expand only nodes that will receive at least one child within the node cap.
      const room = ctx.maxNodes - (tree.size - 1);
      const parentsHere: { shape: number; node: number; count: number }[] = [];
      let planned = 0;
      for (const entry of layer) {
        const want = children[entry.shape].length;
        if (want === 0) continue;
        if (planned >= room) break;
        const count = Math.min(want, room - planned);
        parentsHere.push({ ...entry, count });
        planned += count;
      }
      if (parentsHere.length === 0) break;
      const dists = await ctx.expand(parentsHere.map((e) => e.node)); // [parents][vocab]
      const next: { shape: number; node: number }[] = [];
      parentsHere.forEach(({ shape: s, node: u, count }, i) => {
        const dist = dists[i]; // [vocab] the parent's full draft distribution
        let reach = tree.estimates[u]; // estimated probability of reaching the k-th draw (DySpec's event key)
        sampleWithoutReplacement(dist, count, ctx.rng, ctx.greedy).forEach(({ token, from }, rank) => {
          const node = tree.add(u, token, from, dist[token], reach * from[token]);
          reach *= 1 - from[token];
          next.push({ shape: children[s][rank], node });
        });
      });
      layer = next;
    }
  };
}
