/** Hand-made step records for tests of what reads them (calibration, metrics, budgets, Sequoia's acceptance). */
import type { NodeDecision, StepRecord, StepTimings } from '../../src/core/step';

const NO_TIME: StepTimings = { draft: 0, verify: 0, tree: 0, commit: 0, sampling: 0, total: 0 };

/** What a test may set on a step besides its tree and verdicts. */
type StepFields = Partial<Pick<StepRecord, 'index' | 'acceptedPath' | 'emitted' | 'draftCalls' | 'timings'>>;

/**
 * A step over the tree `parents` (node i's token is i; ranks count earlier siblings) with the given verdicts and
 * draft probabilities (estimates 0.5, no target probabilities). Defaults: index 0, path [0], one draft call, no
 * emitted tokens, zero timings.
 */
export function treeStep(
  parents: readonly number[],
  decisions: readonly NodeDecision[],
  draftProbs: readonly number[] = parents.map(() => 0.5),
  fields: StepFields = {},
): StepRecord {
  return {
    index: 0,
    tree: {
      sources: parents.map((p) => (p < 0 ? null : 'model')),
      tokens: parents.map((_, i) => i),
      parents: [...parents],
      ranks: parents.map((p, i) => (p < 0 ? 0 : parents.slice(0, i).filter((q) => q === p).length)),
      draftProbs: [...draftProbs],
      estimates: parents.map(() => 0.5),
      targetProbs: parents.map(() => null),
    },
    decisions: [...decisions],
    acceptedPath: [0],
    bonusToken: 0,
    emitted: [],
    draftCalls: 1,
    timings: NO_TIME,
    ...fields,
  };
}

/** A step whose `acceptedPath` is accepted and every other node gets `offPath` ('rejected' unless given). */
export function pathStep(
  parents: readonly number[],
  acceptedPath: number[],
  fields: StepFields = {},
  offPath: NodeDecision = 'rejected',
): StepRecord {
  const onPath = new Set(acceptedPath);
  const decisions = parents.map((_, i) => (onPath.has(i) ? 'accepted' : offPath));
  return treeStep(parents, decisions, undefined, { acceptedPath, ...fields });
}

/** One examined (or not) draft node: its draft probability and the verifier's verdict. */
export type Obs = [q: number, decision: NodeDecision];

/** A step whose draft nodes are all children of the root (the shape does not matter to the calibration). */
export function stepOf(nodes: readonly Obs[], index = 0, rootDecision: NodeDecision = 'accepted'): StepRecord {
  const parents = [-1, ...nodes.map(() => 0)];
  return treeStep(parents, [rootDecision, ...nodes.map(([, d]) => d)], [1, ...nodes.map(([q]) => q)], {
    index,
    emitted: [0],
  });
}

/** `count` copies of one observation. */
export const times = (count: number, obs: Obs): Obs[] => new Array<Obs>(count).fill(obs);

/**
 * A step drafting `drafted` nodes in a chain (probability 0.5 each) and accepting the first `accepted`, taking `ms`
 * split evenly between draft and verify.
 */
export function chainStep(index: number, drafted: number, accepted: number, ms: number): StepRecord {
  const n = drafted + 1;
  const parents = Array.from({ length: n }, (_, i) => i - 1);
  return {
    index,
    tree: {
      sources: parents.map((_, i) => (i === 0 ? null : 'model')),
      tokens: parents.map((_, i) => i + 1),
      parents,
      ranks: parents.map(() => 0),
      draftProbs: parents.map(() => 0.5),
      estimates: parents.map(() => 0.5),
      targetProbs: parents.map(() => null),
    },
    decisions: parents.map((_, i) => (i <= accepted ? 'accepted' : i === accepted + 1 ? 'rejected' : 'unvisited')),
    acceptedPath: Array.from({ length: accepted + 1 }, (_, i) => i),
    bonusToken: 99,
    emitted: [...Array.from({ length: accepted }, (_, i) => i + 2), 99],
    draftCalls: drafted,
    timings: { draft: ms / 2, verify: ms / 2, tree: 0, commit: 0, sampling: 0, total: ms },
  };
}
