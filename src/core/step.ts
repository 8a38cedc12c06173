/**
 * What one decoding step (one target call) records: the tree, the verifier's decisions, the accepted path, the
 * bonus token, and where the time went. Steps are the unit of the live view, the metrics and the trace.
 */
import type { DraftSourceName } from './strategy';

/** Milliseconds spent in each part of a step (DESIGN.md §5). */
export interface StepTimings {
  /** Draft forward calls. */
  draft: number;
  /** The target's verify call. */
  verify: number;
  /** Tree building outside the draft calls (heap, sampling children, masks). */
  tree: number;
  /** Cache commit in both models. */
  commit: number;
  /** Target distributions and the acceptance walk. */
  sampling: number;
  /** Wall time of the whole step. */
  total: number;
}

/** The tree of one step, flat (parents before children), ready for JSON. */
export interface TreeRecord {
  /** [n] the draft source that drew each node (its parent's expansion); null for the root. */
  sources: (DraftSourceName | null)[];
  /** [n] token ids; node 0 is the root (the previous step's last token). */
  tokens: number[];
  /** [n] parent index, -1 for the root. */
  parents: number[];
  /** [n] rank among siblings in sampling order. */
  ranks: number[];
  /** [n] draft probability q of the node's token under its parent's draft distribution (root: 1). */
  draftProbs: number[];
  /** [n] the builder's estimate of reaching the node (root: 1). */
  estimates: number[];
  /** [n] target probability p of the node's token at its parent, where the verifier computed it; else null. */
  targetProbs: (number | null)[];
}

/** The verifier's verdict on one node it examined. */
export type NodeDecision = 'accepted' | 'rejected' | 'unvisited';

/** One target call. */
export interface StepRecord {
  /** 0-based step index. */
  index: number;
  tree: TreeRecord;
  /** [n] verdict per node (root: accepted). */
  decisions: NodeDecision[];
  /** Node indices of the accepted path, root first (so accepted draft tokens = length - 1). */
  acceptedPath: number[];
  /** The token the target adds after the accepted path (its correction, or a free extra token). */
  bonusToken: number;
  /** Tokens this step appended to the output (accepted draft tokens then the bonus, cut at EOS / max tokens). */
  emitted: number[];
  /** Draft forward calls this step. */
  draftCalls: number;
  timings: StepTimings;
}
