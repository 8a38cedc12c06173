/** Hand-built steps for the UI tests (not a test file itself). */
import type { NodeDecision, StepRecord } from '../../src/core/step';

/** A malicious token text: must always show up as text. */
export const EVIL = '<img src=x onerror=alert(1)>';

/** Token texts by id. */
export const TEXTS: Record<number, string> = {
  10: 'The',
  11: ' cat',
  12: ' dog',
  13: ' sat',
  14: '\n',
  15: EVIL,
  16: ' on',
  17: ' mat',
  18: '',
};

/** Decodes a token id (unknown ids: `<id>`). */
export const tokenText = (id: number): string => TEXTS[id] ?? `<${id}>`;

/**
 * A 7-node tree:
 *   0 (root, 10)
 *   ├─ 1 (11, q .6, accepted)
 *   │   ├─ 3 (13, q .5, rejected) ── 5 (15, q .9, unvisited)
 *   │   └─ 4 (14, q .2, accepted) ── 6 (16, q .4, rejected)
 *   └─ 2 (12, q .3, unvisited)
 * accepted path 0-1-4, bonus 17, emitted [11, 14, 17].
 */
export function sampleStep(index = 0, overrides: Partial<StepRecord> = {}): StepRecord {
  const decisions: NodeDecision[] = [
    'accepted',
    'accepted',
    'unvisited',
    'rejected',
    'accepted',
    'unvisited',
    'rejected',
  ];
  return {
    index,
    tree: {
      sources: [null, 'model', 'model', 'model', 'model', 'model', 'model'],
      tokens: [10, 11, 12, 13, 14, 15, 16],
      parents: [-1, 0, 0, 1, 1, 3, 4],
      ranks: [0, 0, 1, 0, 1, 0, 0],
      draftProbs: [1, 0.6, 0.3, 0.5, 0.2, 0.9, 0.4],
      estimates: [1, 0.6, 0.3, 0.3, 0.12, 0.27, 0.05],
      targetProbs: [null, 0.7, null, 0.1, 0.5, null, 0.05],
    },
    decisions,
    acceptedPath: [0, 1, 4],
    bonusToken: 17,
    emitted: [11, 14, 17],
    draftCalls: 3,
    timings: { draft: 1, verify: 2, tree: 0.1, commit: 0.1, sampling: 0.1, total: 3.3 },
    ...overrides,
  };
}

/** A step whose tree is a lone root (no drafts): the target's token is the only one emitted. */
export function rootOnlyStep(index: number, bonus: number): StepRecord {
  return {
    index,
    tree: {
      sources: [null],
      tokens: [10],
      parents: [-1],
      ranks: [0],
      draftProbs: [1],
      estimates: [1],
      targetProbs: [null],
    },
    decisions: ['accepted'],
    acceptedPath: [0],
    bonusToken: bonus,
    emitted: [bonus],
    draftCalls: 0,
    timings: { draft: 0, verify: 1, tree: 0, commit: 0, sampling: 0, total: 1 },
  };
}

/**
 * sampleStep with table sources: the root's children (1, 2) drawn by the context lookup, node 1's children (3, 4) by
 * the corpus datastore, node 3's child (5) by the draft model, node 4's child (6) by the corpus. The accepted tokens
 * are 11 (context) and 14 (corpus), then the bonus 17.
 */
export function mixedStep(index = 0, overrides: Partial<StepRecord> = {}): StepRecord {
  const step = sampleStep(index, overrides);
  return {
    ...step,
    tree: { ...step.tree, sources: [null, 'context', 'context', 'corpus', 'corpus', 'model', 'corpus'] },
  };
}
