/**
 * What every tree builder gets: the tree to grow (holding only the root at first), a way to run the draft on a
 * batch of nodes, and the step's randomness.
 */
import type { Rng } from '../rng';
import type { TokenTree } from '../tree';

export interface DraftContext {
  /** The tree to grow; node 0 is the root. */
  readonly tree: TokenTree;
  /** The step's random stream (unused when `greedy`). */
  readonly rng: Rng;
  /**
   * Temperature 0: children are the draft's most likely tokens in order (top-k) instead of samples, and the
   * distributions from `expand` are the draft's softmax at temperature 1, used only to rank and to estimate.
   */
  readonly greedy: boolean;
  /** Most nodes the tree may hold besides the root (a hard cap every builder must respect). */
  readonly maxNodes: number;
  /**
   * Runs the draft once on `nodes` (each node's ancestors must have been expanded) and returns, for each node, the
   * draft distribution its children are drawn from: [vocab].
   */
  expand(nodes: readonly number[]): Promise<Float32Array[]>;
}

/** Grows `ctx.tree` with draft tokens. */
export type TreeBuilder = (ctx: DraftContext) => Promise<void>;
