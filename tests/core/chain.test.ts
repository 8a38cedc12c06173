import { describe, expect, it } from 'vitest';
import { chainBuilder } from '../../src/core/builders/chain';
import { Rng } from '../../src/core/rng';
import { argmax, GREEDY, logitsToDistribution, type SamplingParams } from '../../src/core/sampling';
import { TokenTree } from '../../src/core/tree';
import { tableDraftContext, type StepCase } from '../helpers/exact-law';
import { TableLm } from '../helpers/table-lm';

const target = new TableLm({ vocab: 6, order: 2, seed: 1 });
const draft = new TableLm({ vocab: 6, order: 2, seed: 2, sharpness: 1, like: target });
const stepCase = (params: SamplingParams, maxNodes = 256): StepCase => ({
  target,
  draft,
  context: [3, 1],
  params,
  maxNodes,
});

async function build(gamma: number, c: StepCase, seed = 1) {
  const tree = new TokenTree(c.context[c.context.length - 1]);
  const ctx = tableDraftContext(tree, c, new Rng(seed));
  await chainBuilder(gamma)(ctx);
  return { tree, calls: ctx.calls };
}

describe('chainBuilder', () => {
  it('drafts gamma tokens in a chain, one draft call per token', async () => {
    const { tree, calls } = await build(4, stepCase({ temperature: 1, topP: 1, topK: 0 }));
    expect(tree.size).toBe(5);
    expect(tree.parents).toEqual([-1, 0, 1, 2, 3]);
    expect(calls).toBe(4);
  });

  it('stores each token with the draft distribution it came from, q[token] and the path product', async () => {
    const c = stepCase({ temperature: 0.8, topP: 1, topK: 0 });
    const { tree } = await build(3, c);
    const context = [...c.context];
    let estimate = 1;
    for (let node = 1; node < tree.size; node++) {
      const q = tree.sampledFrom[node] as Float32Array;
      expect(q).toEqual(logitsToDistribution(draft.logitsFor(context), c.params, 6));
      context.push(tree.tokens[node]);
      expect(tree.draftProbs[node]).toBe(q[tree.tokens[node]]);
      estimate *= q[tree.tokens[node]];
      expect(tree.estimates[node]).toBeCloseTo(estimate, 6);
    }
  });

  it("picks the draft's argmax at temperature 0", async () => {
    const { tree } = await build(3, stepCase(GREEDY));
    const context = [3, 1];
    for (let node = 1; node < tree.size; node++) {
      expect(tree.tokens[node]).toBe(argmax(draft.logitsFor(context), 0, 6));
      context.push(tree.tokens[node]);
    }
  });

  it('respects the node cap and rejects a bad gamma', async () => {
    const { tree, calls } = await build(5, stepCase(GREEDY, 2));
    expect(tree.size).toBe(3);
    expect(calls).toBe(2);
    expect(() => chainBuilder(0)).toThrow(/integer >= 1/);
    expect(() => chainBuilder(1.5)).toThrow(/1\.5/);
  });

  it('is deterministic for a seed', async () => {
    const c = stepCase({ temperature: 1, topP: 1, topK: 0 });
    expect((await build(6, c, 9)).tree.tokens).toEqual((await build(6, c, 9)).tree.tokens);
  });
});
