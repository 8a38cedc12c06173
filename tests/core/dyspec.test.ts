import { describe, expect, it } from 'vitest';
import { dyspecGreedyBuilder } from '../../src/core/builders/dyspec';
import { InvalidSettingError } from '../../src/core/errors';
import { sortedIndices, type SamplingParams } from '../../src/core/sampling';
import type { TokenTree } from '../../src/core/tree';
import { growTree, type Grown } from '../helpers/draft-tree';
import { TableLm } from '../helpers/table-lm';
import { describeStepLaw } from '../helpers/step-law-suite';

const VOCAB = 10;
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 23, sharpness: 2 });
const PROMPT = [2, 7, 1];
const SAMPLED: SamplingParams = { temperature: 0.8, topP: 1, topK: 0 };
const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0 };

/** R[y] of a node: the probability of its token under the distribution it was drawn from. */
const drawnProb = (tree: TokenTree, n: number): number => (tree.sampledFrom[n] as Float32Array)[tree.tokens[n]];

/**
 * The key of the event that made each node (index n - 1 for node n), read off the tree: a node's first child comes
 * from the event keyed by the node's estimate (1 at the root), each later child from its elder sibling's sibling event,
 * v · (1 - R[y]). Each pop adds exactly one node and nodes are numbered as they are added, so in node order these are
 * the keys in the order the heap popped them.
 */
function poppedKeys(tree: TokenTree): number[] {
  const keys: number[] = [];
  for (let u = 0; u < tree.size; u++) {
    let v = tree.estimates[u];
    for (const c of tree.children[u]) {
      keys[c - 1] = v;
      v *= 1 - drawnProb(tree, c);
    }
  }
  return keys;
}

/**
 * Keys of the events still in the heap when the builder stopped: each leaf's first-child event (its estimate) and each
 * node's next sibling event (the key after its last child; ~0 when that child took all of R's mass, no event then).
 */
function leftOutKeys(tree: TokenTree): number[] {
  const keys: number[] = [];
  for (let u = 0; u < tree.size; u++) {
    let v = tree.estimates[u];
    for (const c of tree.children[u]) v *= 1 - drawnProb(tree, c);
    keys.push(v);
  }
  return keys;
}

async function grow(budget: number, params: SamplingParams, seed: number, maxNodes?: number) {
  const grown = await growTree(dyspecGreedyBuilder(budget), {
    draft,
    prompt: PROMPT,
    params,
    vocab: VOCAB,
    seed,
    maxNodes,
  });
  return { ...grown, keys: poppedKeys(grown.tree) };
}

/** Each node's children were drawn without replacement from its draft distribution, and record exactly that. */
function expectExactSampling({ tree, draftDistAt }: Grown): void {
  for (let u = 0; u < tree.size; u++) {
    const kids = tree.children[u];
    if (kids.length === 0) continue;
    const q = draftDistAt(u); // [vocab]
    expect(new Set(kids.map((c) => tree.tokens[c])).size).toBe(kids.length);
    kids.forEach((c, k) => {
      const expected = Array.from(q);
      for (const s of kids.slice(0, k)) expected[tree.tokens[s]] = 0;
      const sum = expected.reduce((a, b) => a + b, 0);
      const from = tree.sampledFrom[c] as Float32Array;
      expected.forEach((x, i) => expect(from[i]).toBeCloseTo(x / sum, 6));
      expect(tree.draftProbs[c]).toBe(q[tree.tokens[c]]);
    });
  }
}

/** The heap popped the likeliest event each time: keys never increase and no event left behind beats the last. */
function expectGreedyPopOrder(tree: TokenTree, keys: number[]): void {
  expect(keys[0]).toBe(1);
  for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeLessThanOrEqual(keys[i - 1]);
  for (const k of leftOutKeys(tree)) expect(k).toBeLessThanOrEqual(keys[keys.length - 1]);
}

describe('dyspecGreedyBuilder', () => {
  it('pops keys that never increase, stops at the budget and samples each child exactly', async () => {
    for (const seed of [1, 2, 3, 4]) {
      for (const budget of [1, 5, 24]) {
        const grown = await grow(budget, SAMPLED, seed);
        const { tree, keys } = grown;
        expect(tree.size - 1).toBe(budget);
        expect(keys).toHaveLength(budget);
        expectGreedyPopOrder(tree, keys);
        expectExactSampling(grown);
      }
    }
  });

  it('a child’s estimate is its event’s key times R[y]; a sibling event’s key is v · (1 - R[y])', async () => {
    const { tree } = await grow(30, SAMPLED, 9);
    for (let u = 0; u < tree.size; u++) {
      let v = tree.estimates[u];
      for (const c of tree.children[u]) {
        const r = drawnProb(tree, c);
        expect(tree.estimates[c]).toBe(v * r);
        v *= 1 - r;
      }
    }
  });

  it('grows the most likely events: every event left out has a key no larger than any taken', async () => {
    // With a budget of m, compare with a larger run of the same seed: the first m pops are the same events.
    const small = await grow(12, SAMPLED, 6);
    const large = await grow(40, SAMPLED, 6);
    expect(large.keys.slice(0, 12)).toEqual(small.keys);
    expect(large.tree.tokens.slice(0, 13)).toEqual(small.tree.tokens);
    expect(large.tree.parents.slice(0, 13)).toEqual(small.tree.parents);
  });

  it('at temperature 0 takes each node’s draft top-k in order', async () => {
    const grown = await grow(20, GREEDY, 0);
    const { tree, keys, draftDistAt } = grown;
    expect(tree.size - 1).toBe(20);
    expectGreedyPopOrder(tree, keys);
    for (let u = 0; u < tree.size; u++) {
      const kids = tree.children[u];
      expect(kids.map((c) => tree.tokens[c])).toEqual(sortedIndices(draftDistAt(u)).slice(0, kids.length));
    }
    expectExactSampling(grown);
  });

  it('respects ctx.maxNodes below the budget, and a budget of 0 drafts nothing', async () => {
    const capped = await grow(30, SAMPLED, 2, 7);
    expect(capped.tree.size - 1).toBe(7);
    expectGreedyPopOrder(capped.tree, capped.keys);
    const none = await grow(0, SAMPLED, 2);
    expect(none.tree.size).toBe(1);
    expect(none.batches).toHaveLength(0);
  });

  it('batches draft calls: every node with children was expanded once, parents first, in fewer calls than nodes', async () => {
    for (const seed of [3, 8]) {
      const { tree, batches } = await grow(40, SAMPLED, seed);
      const expanded = batches.flat();
      expect(new Set(expanded).size).toBe(expanded.length); // never twice (the cursor would throw too)
      for (let u = 0; u < tree.size; u++) if (tree.children[u].length > 0) expect(expanded).toContain(u);
      expect(batches.length).toBeLessThan(expanded.length);
      // Only nodes that could still get a child within the budget were expanded: at most budget + 1 of them.
      expect(expanded.length).toBeLessThanOrEqual(41);
    }
  });

  it('stops early when the draft has nothing left to draw', async () => {
    const topK: SamplingParams = { temperature: 1, topP: 1, topK: 1 }; // each node has exactly one child to give
    const { tree } = await grow(6, topK, 4);
    expect(tree.parents).toEqual([-1, 0, 1, 2, 3, 4, 5]); // a chain: sibling events never exist
  });

  it('rejects a bad budget', () => {
    expect(() => dyspecGreedyBuilder(-1)).toThrow(InvalidSettingError);
    expect(() => dyspecGreedyBuilder(2.5)).toThrow(/budget must be an integer/);
  });
});

describeStepLaw(() => dyspecGreedyBuilder(8));
