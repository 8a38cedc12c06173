import { describe, expect, it } from 'vitest';
import { fixedTreeBuilder } from '../../src/core/builders/fixed';
import { Rng } from '../../src/core/rng';
import {
  GREEDY,
  logitsToDistribution,
  sortedIndices,
  withoutToken,
  type SamplingParams,
} from '../../src/core/sampling';
import { TokenTree } from '../../src/core/tree';
import { tableDraftContext, type StepCase } from '../helpers/exact-law';
import { TableLm } from '../helpers/table-lm';

const VOCAB = 8;
const target = new TableLm({ vocab: VOCAB, order: 2, seed: 5 });
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 6, sharpness: 1, like: target });
const SAMPLE: SamplingParams = { temperature: 1, topP: 1, topK: 0 };

async function build(branching: number[], params: SamplingParams, maxNodes = 256, vocab = VOCAB) {
  const c: StepCase = { target, draft, context: [2, 4], params, maxNodes, vocab };
  const tree = new TokenTree(4);
  const ctx = tableDraftContext(tree, c, new Rng(8));
  await fixedTreeBuilder(branching)(ctx);
  return { tree, calls: ctx.calls };
}

const childrenCounts = (tree: TokenTree) => tree.children.map((c) => c.length);

describe('fixedTreeBuilder', () => {
  it('builds the branching shape breadth-first with one draft call per expanded layer', async () => {
    const { tree, calls } = await build([4, 2, 1], SAMPLE);
    expect(tree.size).toBe(1 + 4 + 8 + 8);
    expect(calls).toBe(3);
    expect(tree.parents.slice(0, 7)).toEqual([-1, 0, 0, 0, 0, 1, 1]);
    expect(childrenCounts(tree)).toEqual([4, ...Array(4).fill(2), ...Array(8).fill(1), ...Array(8).fill(0)]);
    expect(tree.depths.filter((d) => d === 3)).toHaveLength(8);
  });

  it('draws siblings without replacement, each stored with the residual it came from', async () => {
    const { tree } = await build([3, 3], SAMPLE);
    for (let node = 0; node < tree.size; node++) {
      const kids = tree.children[node];
      if (kids.length === 0) continue;
      expect(new Set(kids.map((k) => tree.tokens[k])).size).toBe(kids.length);
      const full = tree.sampledFrom[kids[0]] as Float32Array;
      const path = tree.pathTo(node).map((n) => tree.tokens[n]);
      expect(full).toEqual(logitsToDistribution(draft.logitsFor([2, ...path]), SAMPLE, VOCAB));
      let expected: Float32Array = full;
      for (const k of kids) {
        expect(tree.sampledFrom[k]).toEqual(expected);
        expect(tree.draftProbs[k]).toBe(full[tree.tokens[k]]);
        expect(tree.estimates[k]).toBeCloseTo(tree.estimates[node] * full[tree.tokens[k]], 6);
        expected = withoutToken(expected, tree.tokens[k]) as Float32Array;
      }
    }
  });

  it("takes the draft's top-k in order at temperature 0", async () => {
    const { tree } = await build([3, 2], GREEDY);
    for (let node = 0; node < tree.size; node++) {
      const kids = tree.children[node];
      if (kids.length === 0) continue;
      const path = tree.pathTo(node).map((n) => tree.tokens[n]);
      const order = sortedIndices(draft.logitsFor([2, ...path]).subarray(0, VOCAB));
      expect(kids.map((k) => tree.tokens[k])).toEqual(order.slice(0, kids.length));
    }
  });

  it('stops at the node cap, expanding only nodes that get children', async () => {
    const { tree, calls } = await build([2, 3, 2], SAMPLE, 5);
    expect(tree.size).toBe(6);
    expect(childrenCounts(tree).slice(0, 3)).toEqual([2, 3, 0]);
    expect(calls).toBe(2);
    const one = await build([4, 4], SAMPLE, 1);
    expect(one.tree.size).toBe(2);
    expect(one.calls).toBe(1);
  });

  it('gives fewer children where the draft has fewer tokens', async () => {
    const { tree } = await build([6], SAMPLE, 256, 4);
    expect(tree.size).toBe(5);
    const topP = await build([6], { temperature: 1, topP: 0.01, topK: 0 });
    expect(topP.tree.size).toBe(2);
  });

  it('rejects bad branching vectors', () => {
    expect(() => fixedTreeBuilder([])).toThrow(/branching/);
    expect(() => fixedTreeBuilder([2, 0])).toThrow(/2, 0/);
    expect(() => fixedTreeBuilder([1.5])).toThrow(/1\.5/);
  });
});
