/**
 * Chain drafting: classic speculative sampling (Leviathan et al., 2023; Chen et al., 2023). The draft proposes
 * gamma tokens one after another, one draft call per token; the target then verifies the chain in one call.
 *
 * Each node stores the draft distribution q it was drawn from (its parent's full distribution), `draftProb` = q[token],
 * and `estimate` = the product of the draft probabilities along the path (the draft's own belief that the chain gets
 * that far; at temperature 0 it is taken under the draft's plain softmax, see DraftContext.greedy).
 */
import { argmax, sampleIndex } from '../sampling';
import type { TreeBuilder } from './types';

/**
 * A builder of a chain of `gamma` draft tokens (fewer if `ctx.maxNodes` is smaller).
 * @param gamma draft tokens per step, an integer >= 1
 */
export function chainBuilder(gamma: number): TreeBuilder {
  if (!Number.isInteger(gamma) || gamma < 1) throw new RangeError(`chain length must be an integer >= 1, got ${gamma}`);
  return async (ctx) => {
    const { tree } = ctx;
    const length = Math.min(gamma, ctx.maxNodes);
    let node = 0;
    for (let i = 0; i < length; i++) {
      const [q] = await ctx.expand([node]); // [vocab]
      const token = ctx.greedy ? argmax(q) : sampleIndex(q, ctx.rng);
      node = tree.add(node, token, q, q[token], tree.estimates[node] * q[token]);
    }
  };
}
