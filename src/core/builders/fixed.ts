/**
 * Fixed-shape token trees from a branching vector (SpecInfer, ASPLOS 2024; the k-ary trees Sequoia, NeurIPS 2024,
 * compares against): `[4, 2, 1]` gives the root 4 children, each of those 2, each of those 1 (4 + 8 + 8 = 20 nodes).
 *
 * The tree grows one layer per draft call: the whole frontier is expanded in one batched call, then each frontier
 * node gets its children drawn without replacement from its draft distribution (temperature > 0), or its most likely
 * tokens in order (temperature 0). Each child stores the exact distribution it was drawn from, as the verifier needs.
 *
 * `draftProb` = q[token] under the parent's full draft distribution; `estimate` = the product of the draft
 * probabilities along the path (a ranking heuristic, not the exact chance of reaching a later-ranked sibling).
 */
import { sampleWithoutReplacement } from '../sampling';
import type { TreeBuilder } from './types';

/**
 * A builder of the tree with `branching[d]` children under every node at depth d, capped at `ctx.maxNodes` nodes
 * (layers fill in breadth-first order until the cap).
 * @param branching children per node at each depth, integers >= 1, at least one entry
 */
export function fixedTreeBuilder(branching: readonly number[]): TreeBuilder {
  if (branching.length === 0 || branching.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new RangeError(`branching must be integers >= 1, got [${branching.join(', ')}]`);
  }
  const shape = [...branching];
  return async (ctx) => {
    const { tree } = ctx;
    let frontier = [0];
    for (const width of shape) {
      const room = ctx.maxNodes - (tree.size - 1);
      if (room <= 0 || frontier.length === 0) return;
      // Expand only the frontier nodes that can still receive children under the cap.
      const parents = frontier.slice(0, Math.ceil(room / width));
      const dists = await ctx.expand(parents); // [parents.length] x [vocab]
      const next: number[] = [];
      parents.forEach((parent, i) => {
        const q = dists[i];
        const take = Math.min(width, ctx.maxNodes - (tree.size - 1));
        for (const { token, from } of sampleWithoutReplacement(q, take, ctx.rng, ctx.greedy)) {
          next.push(tree.add(parent, token, from, q[token], tree.estimates[parent] * q[token]));
        }
      });
      frontier = next;
    }
  };
}
