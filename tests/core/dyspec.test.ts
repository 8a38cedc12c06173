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

async function grow(budget: number, params: SamplingParams, seed: number, maxNodes?: number) {
  const keys: number[] = [];
  const grown = await growTree(dyspecGreedyBuilder(budget, { onPop: (k) => keys.push(k) }), {
    draft,
    prompt: PROMPT,
    params,
    vocab: VOCAB,
    seed,
    maxNodes,
  });
  return { ...grown, keys };
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

/** Node i (1-based) is made by pop i - 1: its estimate is that event's key times the drawn token's probability. */
function expectEstimatesFromKeys(tree: TokenTree, keys: number[]): void {
  for (let i = 1; i < tree.size; i++) {
    const from = tree.sampledFrom[i] as Float32Array;
    expect(tree.estimates[i]).toBe(keys[i - 1] * from[tree.tokens[i]]);
  }
}

describe('dyspecGreedyBuilder', () => {
  it('pops keys that never increase, stops at the budget and samples each child exactly', async () => {
    for (const seed of [1, 2, 3, 4]) {
      for (const budget of [1, 5, 24]) {
        const grown = await grow(budget, SAMPLED, seed);
        const { tree, keys } = grown;
        expect(tree.size - 1).toBe(budget);
        expect(keys).toHaveLength(budget);
        expect(keys[0]).toBe(1);
        for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeLessThanOrEqual(keys[i - 1]);
        expectExactSampling(grown);
        expectEstimatesFromKeys(tree, keys);
      }
    }
  });

  it('the key of a sibling event is v · (1 - R[y]): estimates follow the without-replacement chain', async () => {
    const { tree } = await grow(30, SAMPLED, 9);
    for (let u = 0; u < tree.size; u++) {
      let v = tree.estimates[u];
      for (const c of tree.children[u]) {
        const r = (tree.sampledFrom[c] as Float32Array)[tree.tokens[c]];
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
    for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeLessThanOrEqual(keys[i - 1]);
    for (let u = 0; u < tree.size; u++) {
      const kids = tree.children[u];
      expect(kids.map((c) => tree.tokens[c])).toEqual(sortedIndices(draftDistAt(u)).slice(0, kids.length));
    }
    expectExactSampling(grown);
  });

  it('respects ctx.maxNodes below the budget, and a budget of 0 drafts nothing', async () => {
    const capped = await grow(30, SAMPLED, 2, 7);
    expect(capped.tree.size - 1).toBe(7);
    expect(capped.keys).toHaveLength(7);
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
