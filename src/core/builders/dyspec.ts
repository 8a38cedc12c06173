/**
 * DySpec greedy dynamic trees (Xiong et al., "DySpec: Faster Speculative Decoding with Dynamic Token Tree
 * Structure", arXiv 2410.11744), as in DESIGN.md §4.
 *
 * A sampling event (v, R, u) draws the next child of node u from distribution R; v estimates the probability that
 * verification ever gets to that draw. A max-heap pops the most likely event; the draw y ~ R adds child n of u and
 * spawns two events: n's first child, (v · R[y], draft(n), n), and u's next sibling, (v · (1 - R[y]),
 * norm(R with y zeroed), u). The tree is the first `budget` events popped. The key is fixed before y is drawn, so
 * whether an event happens never depends on its own draw, which keeps the verifier exact.
 *
 * Randomness: every node owns a random stream, forked from its parent's stream when the node is created; the draws
 * of a node's children come from it in rank order, each followed by the fork for the new child. A draw therefore
 * depends only on where it sits in the tree, not on the order in which the heap pops events: each draw is still a
 * fresh uniform, and the threshold variant (dyspec-threshold.ts) consumes exactly the same numbers, so with the same
 * seed it builds the same tree as this one whenever both pick the same events.
 */
import { InvalidSettingError } from '../errors';
import { MaxHeap } from '../heap';
import type { Rng } from '../rng';
import { argmax, sampleIndex, withoutToken } from '../sampling';
import type { DraftContext, TreeBuilder } from './types';

/**
 * The share a(y) of an event's reach v that passes to the child it draws: the child is reached and accepted with
 * v · a(y), which is its estimate and the reach of its own first-child event, and the parent's next sibling event is
 * reached with v · (1 - a(y)) (the child was rejected). The paper's rule is `drawProbability`; the calibrated builder
 * (dyspec-calibrated.ts) passes its learned acceptance curve instead.
 * @param token y, the drawn token
 * @param dist [vocab] R, the distribution y was drawn from
 * @param full [vocab] the parent's full draft distribution (q of each token)
 * @param rank y's sibling rank (0 = the parent's first child)
 */
export type DrawRate = (token: number, dist: Float32Array, full: Float32Array, rank: number) => number;

/** DySpec's rate: a reached token is accepted with its probability under the distribution it was drawn from, R[y]. */
export const drawProbability: DrawRate = (token, dist) => dist[token];

/** What a sampling event produced: the new node and the sibling event it leaves behind at its parent. */
export interface DrawResult {
  /** The new node. */
  node: number;
  /** v · a(y): the new node's estimate, and the reach of its first-child event. */
  childReach: number;
  /** u's next sibling event: reach v · (1 - a(y)), R with y zeroed and renormalised; null when R has no mass left. */
  sibling: { reach: number; dist: Float32Array } | null;
}

/** Per-node random streams (see the header): node 0's comes from the step's stream, the rest are forks. */
export function createNodeStreams(rng: Rng): Rng[] {
  return [rng.fork()];
}

/**
 * Performs the sampling event (v, R, u): draws y ~ R from u's stream (argmax at temperature 0), adds the child with
 * estimate v · a(y), and gives it a stream forked from u's. Every DySpec builder draws through this one function, so
 * the same node consumes the same random numbers whichever builder grows the tree (see the header).
 * @param reach v, the event's reach probability
 * @param full [vocab] u's full draft distribution (the first sibling's R), for the node's draftProb
 * @param dist [vocab] R, the distribution this draw uses
 * @param rate a(y) (default: DySpec's R[y])
 */
export function performEvent(
  ctx: DraftContext,
  streams: Rng[],
  parent: number,
  reach: number,
  full: Float32Array,
  dist: Float32Array,
  rate: DrawRate = drawProbability,
): DrawResult {
  const stream = streams[parent];
  const token = ctx.greedy ? argmax(dist) : sampleIndex(dist, stream);
  const a = rate(token, dist, full, ctx.tree.children[parent].length);
  const childReach = reach * a;
  const node = ctx.tree.add(parent, token, dist, full[token], childReach);
  streams[node] = stream.fork();
  const rest = withoutToken(dist, token);
  return { node, childReach, sibling: rest ? { reach: reach * (1 - a), dist: rest } : null };
}

/** A pending sampling event in the heap. */
interface SamplingEvent {
  /** v: estimated probability that the event is reached. */
  key: number;
  /** u: the node whose next child this event draws. */
  parent: number;
  /** R, or null for u's first child: then R = draft(u), computed lazily (see `dyspecGreedyBuilder`). */
  dist: Float32Array | null;
  /** Creation order; breaks key ties first-in first-out so the pop order is deterministic. */
  seq: number;
}

/**
 * DySpec's greedy tree with at most `budget` draft nodes (and at most `ctx.maxNodes`).
 *
 * Batching rule (lazy expansion): a node's first-child event already has its exact key v · R[y] when it is pushed,
 * so draft(n) is needed only when that event is popped. When a popped event finds its distribution missing, one
 * draft call expands its node together with every other node whose first-child event lies among the next r - 1
 * events of the heap (r = nodes still allowed). Events further down can never be popped before the budget runs out:
 * everything ahead of them pops first. The tree is the same as with one draft call per node (a node's draft
 * distribution depends only on its ancestors); only the number of calls changes. The price: a node in that window
 * may still never get a child (likelier events pushed later overtake its event), so a few more tokens are drafted
 * than the threshold variant drafts for the same tree, in fewer calls than one per node.
 */
export function dyspecGreedyBuilder(budget: number): TreeBuilder {
  if (!Number.isInteger(budget) || budget < 0) {
    throw new InvalidSettingError('budget', `DySpec budget must be an integer >= 0, got ${budget}`);
  }
  return async (ctx) => {
    const tree = ctx.tree;
    const limit = Math.min(budget, ctx.maxNodes);
    const streams = createNodeStreams(ctx.rng);
    const drafts: Float32Array[] = []; // [node][vocab] draft(n), once expanded
    const heap = new MaxHeap<SamplingEvent>((a, b) => a.key > b.key || (a.key === b.key && a.seq < b.seq));
    let seq = 0;
    heap.push({ key: 1, parent: 0, dist: null, seq: seq++ });

    while (tree.size - 1 < limit && heap.size > 0) {
      const event = heap.pop() as SamplingEvent;
      const u = event.parent;
      if (!drafts[u]) {
        const left = limit - (tree.size - 1); // this pop included
        const batch = [u];
        for (const e of heap.top(left - 1)) {
          if (e.dist === null && !drafts[e.parent]) batch.push(e.parent); // a first-child event still undrafted
        }
        batch.sort((a, b) => a - b); // parents before children, as the draft's tree mask requires
        const dists = await ctx.expand(batch); // [batch][vocab]
        batch.forEach((n, i) => (drafts[n] = dists[i]));
      }
      // The key is the reach: the paper pops the event verification is likeliest to get to.
      const { node, childReach, sibling } = performEvent(
        ctx,
        streams,
        u,
        event.key,
        drafts[u],
        event.dist ?? drafts[u],
      );
      heap.push({ key: childReach, parent: node, dist: null, seq: seq++ });
      if (sibling) heap.push({ key: sibling.reach, parent: u, dist: sibling.dist, seq: seq++ });
    }
  };
}
