/**
 * The draft side of one step: a DraftContext over a real model, through a TreeCursor, with call counting and
 * timing for the metrics.
 */
import type { DraftContext } from './builders/types';
import type { LanguageModel } from './model';
import type { Rng } from './rng';
import { logitsToDistribution, type SamplingParams } from './sampling';
import { TreeCursor } from './tree-cursor';
import type { TokenTree } from './tree';

/** Draft-side options of one step. */
export interface DraftStepOptions {
  model: LanguageModel;
  tree: TokenTree;
  /** Pending tokens before the root that the draft's cache does not hold yet. */
  prefix: readonly number[];
  params: SamplingParams;
  vocab: number;
  rng: Rng;
  maxNodes: number;
  now: () => number;
}

/** A DraftContext plus what the step needs afterwards: the cursor (to commit) and counters. */
export interface DraftStep extends DraftContext {
  readonly cursor: TreeCursor;
  /** Draft forward calls so far. */
  readonly calls: number;
  /** Milliseconds spent inside draft forward calls. */
  readonly forwardMs: number;
}

/**
 * The parameters the draft's distributions are made with. At temperature 0 the tree is ranked by the draft's plain
 * softmax; otherwise children are drawn from the draft under the same temperature / top-k / top-p as the target.
 * (Any q gives an exact verifier; matching the target's processing keeps acceptance high.)
 */
export function draftSamplingParams(params: SamplingParams): SamplingParams {
  return params.temperature === 0 ? { temperature: 1, topP: 1, topK: 0 } : params;
}

/** Builds the draft context of one step. */
export function createDraftStep(options: DraftStepOptions): DraftStep {
  const { model, tree, prefix, params, vocab, now } = options;
  const cursor = new TreeCursor(model, tree, prefix);
  const draftParams = draftSamplingParams(params);
  const step = {
    tree,
    rng: options.rng,
    greedy: params.temperature === 0,
    maxNodes: options.maxNodes,
    cursor,
    calls: 0,
    forwardMs: 0,
    async expand(nodes: readonly number[]): Promise<Float32Array[]> {
      if (nodes.length === 0) return [];
      const start = now();
      const { logits, stride } = await cursor.feed(nodes); // [k, stride]
      step.forwardMs += now() - start;
      step.calls++;
      return nodes.map((_, i) => logitsToDistribution(logits, draftParams, vocab, i * stride));
    },
  };
  return step;
}
