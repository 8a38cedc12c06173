/**
 * Calibrated DySpec (`dyspec-cal:N`): DySpec's greedy heap of sampling events (Xiong et al., arXiv 2410.11744; the
 * paper's rule is dyspec.ts), keyed by what an event is worth instead of how likely it is to be reached.
 *
 * The paper pops events by reach probability v and assumes a reached token of draft probability q is accepted with
 * probability q. With a small, under-confident draft that grows wide trees of siblings the verifier reaches often
 * and almost never accepts. Here:
 * - acceptance of a reached token of draft probability q and sibling rank r is c(q, r), learned from the run
 *   (calibration.ts: first children, second children and later siblings apart; c = identity before any data, the
 *   paper's assumption);
 * - an event's key is its expected gain, the probability that the token it draws is accepted:
 *   key = v · E_{y~R}[c(q_y)] (at temperature 0, where y = argmax R: v · c(q_y)). Adding the nodes with the largest
 *   gains first maximises the expected accepted length of the tree under this model;
 * - the drawn child is reached-and-accepted with v · c(q_y) (the reach of its own first-child event) and the next
 *   sibling is reached with v · (1 - c(q_y)).
 *
 * Exactness: the key depends on v and on R only, both fixed before y is drawn, and the calibration only on earlier
 * steps, so whether an event happens never depends on its own draw (DESIGN.md §4).
 *
 * Batching: a first-child event's exact key needs the draft distribution of its node, which costs a draft call.
 * Until its node is drafted the event waits in the heap under a provisional key, v times the gain rate of the draw
 * that made the node (its parent's E[c], i.e. "the child's distribution is as confident as its parent's"). Popped, it
 * is drafted, re-keyed exactly and pushed back; only events with exact keys are performed. The provisional key lets
 * the siblings of a node be created before any of them is drafted, so a popped undrafted node is drafted in ONE call
 * together with the other undrafted nodes among the next events of the heap: about one draft call per tree level, as
 * in dyspec.ts, instead of one per node. Keys never depend on how nodes were batched and each node's draws come
 * from its own random stream (dyspec.ts), so the tree of budget m is the first m events of every larger budget.
 */
import { InvalidSettingError } from '../errors';
import { MaxHeap } from '../heap';
import { argmax } from '../sampling';
import { createNodeStreams, performEvent, type DrawRate } from './dyspec';
import type { TreeBuilder } from './types';

/**
 * P(accepted | reached) of a drafted token with draft probability q and sibling rank `rank` (0 = first child).
 * `flat`, when given, says the estimate is the constant `value(rank)` below `below` (the learned curve is, below its
 * first bin centre): `expectedAcceptance` then sums a distribution's long tail without calling it.
 */
export type AcceptanceEstimate = ((q: number, rank: number) => number) & {
  readonly flat?: { readonly below: number; value(rank: number): number };
};

/** A pending sampling event: draw the next child of `parent` from `dist`. */
interface ValueEvent {
  /** Expected gain when `exact`, else a provisional key (see the file comment). */
  key: number;
  exact: boolean;
  /** v: estimated probability that the verifier reaches this draw. */
  reach: number;
  parent: number;
  /** R, or null for the parent's first child (R = draft(parent), known once the parent is drafted). */
  dist: Float32Array | null;
  seq: number;
}

/**
 * Expected acceptance of a draw from R: Σ_y R[y] · c(full[y]) (sampling) or c(full[argmax R]) (temperature 0).
 * @param full [vocab] the parent's full draft distribution (q of each token)
 * @param dist [vocab] R
 */
export function expectedAcceptance(
  full: Float32Array,
  dist: Float32Array,
  greedy: boolean,
  c: AcceptanceEstimate,
  rank = 0,
): number {
  if (greedy) return c(full[argmax(dist)], rank);
  // At T > 0 nearly all of the vocabulary sits in the tail below the first bin, where c is constant: (Σ R)·value.
  const flat = c.flat;
  const below = flat ? flat.below : 0;
  let tail = 0; // Σ R[y] over q[y] < below
  let sum = 0;
  for (let y = 0; y < dist.length; y++) {
    const r = dist[y];
    if (!(r > 0)) continue;
    const q = full[y];
    if (q < below) tail += r;
    else sum += r * c(q, rank);
  }
  return flat && tail > 0 ? sum + tail * flat.value(rank) : sum;
}

/** The calibrated greedy builder with at most `budget` draft nodes (and at most `ctx.maxNodes`). */
export function dyspecCalibratedBuilder(budget: number, c: AcceptanceEstimate): TreeBuilder {
  if (!Number.isInteger(budget) || budget < 0) {
    throw new InvalidSettingError('budget', `DySpec node budget must be an integer >= 0, got ${budget}`);
  }
  // The drawn child passes on v · c(q_y, rank) (reached and accepted), its next sibling v · (1 - c(q_y, rank)).
  const acceptance: DrawRate = (token, _dist, full, rank) => c(full[token], rank);
  return async (ctx) => {
    const tree = ctx.tree;
    const limit = Math.min(budget, ctx.maxNodes);
    const streams = createNodeStreams(ctx.rng);
    const drafts: Float32Array[] = []; // [node][vocab] draft(n), once drafted
    const heap = new MaxHeap<ValueEvent>((a, b) => a.key > b.key || (a.key === b.key && a.seq < b.seq));
    let seq = 0;
    heap.push({ key: 1, exact: false, reach: 1, parent: 0, dist: null, seq: seq++ });

    while (tree.size - 1 < limit && heap.size > 0) {
      const event = heap.pop() as ValueEvent;
      const u = event.parent;
      if (!event.exact) {
        if (!drafts[u]) await draftBatch(u, heap, limit - tree.size + 1);
        const gain = event.reach * expectedAcceptance(drafts[u], drafts[u], ctx.greedy, c);
        heap.push({ ...event, key: gain, exact: true, dist: drafts[u] });
        continue;
      }
      const full = drafts[u];
      const dist = event.dist as Float32Array; // exact events carry their R
      const { node, childReach, sibling } = performEvent(ctx, streams, u, event.reach, full, dist, acceptance);
      if (tree.size - 1 >= limit) break; // full: the events below would never be popped (the sibling's gain is a vocab pass)
      const rate = event.reach > 0 ? event.key / event.reach : 0; // this draw's E[c]
      heap.push({ key: childReach * rate, exact: false, reach: childReach, parent: node, dist: null, seq: seq++ });
      if (sibling) {
        const gain = sibling.reach * expectedAcceptance(full, sibling.dist, ctx.greedy, c, tree.ranks[node] + 1);
        heap.push({ key: gain, exact: true, reach: sibling.reach, parent: u, dist: sibling.dist, seq: seq++ });
      }
    }

    /** Drafts u and the undrafted nodes among the next `left - 1` events (they may pop before the budget ends). */
    async function draftBatch(u: number, pending: MaxHeap<ValueEvent>, left: number): Promise<void> {
      const batch = [u];
      for (const e of pending.top(Math.max(0, left - 1))) {
        if (!e.exact && !drafts[e.parent] && !batch.includes(e.parent)) batch.push(e.parent);
      }
      batch.sort((a, b) => a - b); // parents before children, as the draft's tree mask requires
      const dists = await ctx.expand(batch); // [batch][vocab]
      batch.forEach((n, i) => (drafts[n] = dists[i]));
    }
  };
}
