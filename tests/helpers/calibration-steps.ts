/** Step records for calibration tests: examined draft nodes with their draft probability and verdict. */
import type { NodeDecision, StepRecord } from '../../src/core/step';

/** One examined (or not) draft node: its draft probability and the verifier's verdict. */
export type Obs = [q: number, decision: NodeDecision];

/** A step whose draft nodes are all children of the root (the shape does not matter to the calibration). */
export function stepOf(nodes: readonly Obs[], index = 0, rootDecision: NodeDecision = 'accepted'): StepRecord {
  const n = nodes.length + 1;
  return {
    index,
    tree: {
      tokens: Array.from({ length: n }, (_, i) => i),
      parents: Array.from({ length: n }, (_, i) => (i === 0 ? -1 : 0)),
      ranks: Array.from({ length: n }, (_, i) => Math.max(0, i - 1)),
      draftProbs: [1, ...nodes.map(([q]) => q)],
      estimates: new Array<number>(n).fill(0.5),
      targetProbs: new Array<number | null>(n).fill(null),
    },
    decisions: [rootDecision, ...nodes.map(([, d]) => d)],
    acceptedPath: [0],
    bonusToken: 0,
    emitted: [0],
    draftCalls: 1,
    timings: { draft: 0, verify: 0, tree: 0, commit: 0, sampling: 0, total: 0 },
  };
}

/** `count` copies of one observation. */
export const times = (count: number, obs: Obs): Obs[] => new Array<Obs>(count).fill(obs);
