/**
 * DySpec's threshold variant (Xiong et al., arXiv 2410.11744, §4): instead of a global heap, the tree grows layer by
 * layer and keeps every sampling event whose estimated reach probability v is at least a threshold t. All frontier
 * nodes of a layer go to the draft in ONE batched call, so a tree of depth d costs d draft calls.
 *
 * Both events an event spawns have keys no larger than its own (v · R[y] and v · (1 - R[y])), so the events with
 * key >= t form a subtree of the event tree, and that is exactly the set the greedy variant pops first. With the
 * per-node random streams of dyspec.ts, the same seed therefore gives the same tree as `dyspecGreedyBuilder(m)` when
 * t is the m-th key the greedy variant popped (and no other event ties with it: events with key == t are all kept).
 */
import { InvalidSettingError } from '../errors';
import { MaxHeap } from '../heap';
import { createNodeStreams, performEvent } from './dyspec';
import type { TreeBuilder } from './types';

/** A sampling event of the current layer. */
interface LayerEvent {
  key: number;
  parent: number;
  /** [vocab] the parent's full draft distribution. */
  full: Float32Array;
  /** [vocab] R, what this draw uses. */
  dist: Float32Array;
  seq: number;
}

/**
 * @param threshold t in [0, 1]: an event happens iff its estimated reach probability is >= t
 * @param cap most draft nodes (with `ctx.maxNodes`); when a layer would exceed it, the layer's events are taken in
 *   descending key order, so the cap drops the least likely ones
 */
export function dyspecThresholdBuilder(threshold: number, cap: number): TreeBuilder {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new InvalidSettingError('threshold', `DySpec threshold must be in [0, 1], got ${threshold}`);
  }
  if (!Number.isInteger(cap) || cap < 0) {
    throw new InvalidSettingError('budget', `DySpec node cap must be an integer >= 0, got ${cap}`);
  }
  return async (ctx) => {
    const tree = ctx.tree;
    const limit = Math.min(cap, ctx.maxNodes);
    const streams = createNodeStreams(ctx.rng);
    let seq = 0;
    let frontier = [0]; // nodes of the newest layer; a node's first-child key is its estimate (root: 1)

    while (tree.size - 1 < limit) {
      const expand = frontier.filter((n) => tree.estimates[n] >= threshold);
      if (expand.length === 0) break;
      const dists = await ctx.expand(expand); // [layer][vocab], one call per layer
      const layer = new MaxHeap<LayerEvent>((a, b) => a.key > b.key || (a.key === b.key && a.seq < b.seq));
      expand.forEach((n, i) =>
        layer.push({ key: tree.estimates[n], parent: n, full: dists[i], dist: dists[i], seq: seq++ }),
      );
      const next: number[] = [];
      while (layer.size > 0 && tree.size - 1 < limit) {
        const { key, parent, full, dist } = layer.pop() as LayerEvent;
        const { node, sibling } = performEvent(ctx, streams, parent, key, full, dist);
        next.push(node);
        if (sibling && sibling.reach >= threshold) {
          layer.push({ key: sibling.reach, parent, full, dist: sibling.dist, seq: seq++ });
        }
      }
      frontier = next.sort((a, b) => a - b);
    }
  };
}
