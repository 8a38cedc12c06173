import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dyspecCalibratedBuilder,
  expectedAcceptance,
  type AcceptanceEstimate,
} from '../../src/core/builders/dyspec-calibrated';
import { createNodeStreams } from '../../src/core/builders/dyspec';
import type { TreeBuilder } from '../../src/core/builders/types';
import { AcceptanceCalibration, CALIBRATION_EDGES } from '../../src/core/calibration';
import { InvalidSettingError } from '../../src/core/errors';
import { argmax, sampleIndex, sortedIndices, withoutToken, type SamplingParams } from '../../src/core/sampling';
import { stepOf } from '../helpers/steps';
import { growTree } from '../helpers/draft-tree';
import { expectStepLaw } from '../helpers/step-law-suite';
import { TableLm } from '../helpers/table-lm';

const VOCAB = 12;
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 31, sharpness: 2 });
const PROMPT = [3, 8, 1];
const SAMPLED: SamplingParams = { temperature: 0.8, topP: 1, topK: 0 };
const NUCLEUS: SamplingParams = { temperature: 1, topP: 0.9, topK: 0 };
const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0 };
/** The first calibration bin's centre. */
const CENTRE0 = CALIBRATION_EDGES[1] / 2;

/** DySpec's own assumption: a reached token of draft probability q is accepted with probability q. */
const identity: AcceptanceEstimate = (q) => q;
/** An over-confident draft's curve: confident tokens almost always accepted, the rest almost never. */
const step: AcceptanceEstimate = (q) => (q > 0.3 ? 0.95 : 0.02);
/** Not even monotone: the builder must still pop by exact expected gain. */
const wavy: AcceptanceEstimate = (q) => 0.5 + 0.4 * Math.sin(25 * q);
/** Rank-aware: later siblings are accepted a quarter as often as first children of the same q. */
const ranked: AcceptanceEstimate = (q, rank) => (rank === 0 ? q : q / 4);
const CURVES: [string, AcceptanceEstimate][] = [
  ['identity', identity],
  ['step', step],
  ['wavy', wavy],
  ['ranked', ranked],
];

const options = (params: SamplingParams, seed: number, maxNodes?: number, model = draft) => ({
  draft: model,
  prompt: PROMPT,
  params,
  vocab: VOCAB,
  seed,
  maxNodes,
});

function grow(budget: number, c: AcceptanceEstimate, params: SamplingParams, seed: number, maxNodes?: number) {
  return growTree(dyspecCalibratedBuilder(budget, c), options(params, seed, maxNodes));
}

/** Σ_y R[y]·c(full[y], rank), or c(full[argmax R], rank) at temperature 0, written out independently of the builder. */
function gainOf(full: Float32Array, dist: Float32Array, greedy: boolean, c: AcceptanceEstimate, rank: number): number {
  if (greedy) {
    let best = 0;
    for (let y = 1; y < dist.length; y++) if (dist[y] > dist[best]) best = y;
    return c(full[best], rank);
  }
  let sum = 0;
  for (let y = 0; y < dist.length; y++) sum += dist[y] * c(full[y], rank);
  return sum;
}

/**
 * The calibrated heap written plainly, as a reference: a linear scan instead of a heap, and one draft call per node,
 * made when a node's first-child event is popped. Same event rules as the builder (file comment of
 * dyspec-calibrated.ts); the builder batches draft calls, which must not change the tree.
 */
function referenceBuilder(budget: number, c: AcceptanceEstimate): TreeBuilder {
  interface Ev {
    key: number;
    exact: boolean;
    reach: number;
    parent: number;
    dist: Float32Array | null;
    seq: number;
  }
  return async (ctx) => {
    const { tree } = ctx;
    const streams = createNodeStreams(ctx.rng);
    const drafts: Float32Array[] = [];
    const pending: Ev[] = [{ key: 1, exact: false, reach: 1, parent: 0, dist: null, seq: 0 }];
    let seq = 1;
    while (tree.size - 1 < Math.min(budget, ctx.maxNodes) && pending.length > 0) {
      let best = 0;
      for (let i = 1; i < pending.length; i++) {
        const [a, b] = [pending[i], pending[best]];
        if (a.key > b.key || (a.key === b.key && a.seq < b.seq)) best = i;
      }
      const e = pending.splice(best, 1)[0];
      const u = e.parent;
      if (!e.exact) {
        drafts[u] ??= (await ctx.expand([u]))[0];
        pending.push({
          ...e,
          key: e.reach * gainOf(drafts[u], drafts[u], ctx.greedy, c, 0),
          exact: true,
          dist: drafts[u],
        });
        continue;
      }
      const full = drafts[u];
      const dist = e.dist as Float32Array;
      const token = ctx.greedy ? argmax(dist) : sampleIndex(dist, streams[u]);
      const rank = tree.children[u].length;
      const reach = e.reach * c(full[token], rank);
      const node = tree.add(u, token, dist, full[token], reach);
      streams[node] = streams[u].fork();
      pending.push({ key: reach * (e.key / e.reach), exact: false, reach, parent: node, dist: null, seq: seq++ });
      const rest = withoutToken(dist, token);
      if (rest) {
        const next = e.reach * (1 - c(full[token], rank));
        pending.push({
          key: next * gainOf(full, rest, ctx.greedy, c, rank + 1),
          exact: true,
          reach: next,
          parent: u,
          dist: rest,
          seq: seq++,
        });
      }
    }
  };
}

/** The builder's tree equals the plain reference's; returns both (the builder's first). */
async function expectSameAsReference(budget: number, c: AcceptanceEstimate, params: SamplingParams, seed: number) {
  const built = await grow(budget, c, params, seed);
  const ref = await growTree(referenceBuilder(budget, c), options(params, seed));
  expect(built.tree.tokens).toEqual(ref.tree.tokens);
  expect(built.tree.parents).toEqual(ref.tree.parents);
  expect(built.tree.estimates).toEqual(ref.tree.estimates);
  expect(built.tree.draftProbs).toEqual(ref.tree.draftProbs);
  return [built, ref] as const;
}

describe('dyspecCalibratedBuilder', () => {
  it.each(CURVES)('builds the plain reference’s tree with fewer draft calls (%s)', async (_, c) => {
    for (const params of [SAMPLED, NUCLEUS, GREEDY]) {
      for (const seed of [1, 2, 3]) {
        const [built, ref] = await expectSameAsReference(30, c, params, seed);
        expect(built.tree.size - 1).toBe(30);
        expect(built.batches.length).toBeLessThanOrEqual(ref.batches.length);
      }
    }
  });

  it('records each node’s estimate as reach · c(q) and its sampling distribution', async () => {
    for (const [, c] of CURVES) {
      const { tree, draftDistAt } = await grow(20, c, SAMPLED, 4);
      for (let u = 0; u < tree.size; u++) {
        const full = draftDistAt(u);
        let reach = tree.estimates[u];
        for (const [rank, child] of tree.children[u].entries()) {
          const token = tree.tokens[child];
          expect(tree.draftProbs[child]).toBeCloseTo(full[token], 7);
          expect(tree.estimates[child]).toBeCloseTo(reach * c(full[token], rank), 12);
          reach *= 1 - c(full[token], rank);
        }
      }
    }
  });

  it('with the identity, the root’s first child estimate is q and its sibling’s is (1 - q1)·q2', async () => {
    const { tree, draftDistAt } = await grow(40, identity, SAMPLED, 5);
    const q = draftDistAt(0);
    const [a, b] = tree.children[0];
    expect(tree.estimates[a]).toBeCloseTo(q[tree.tokens[a]], 7);
    expect(b).toBeDefined();
    expect(tree.estimates[b]).toBeCloseTo((1 - q[tree.tokens[a]]) * q[tree.tokens[b]], 7);
  });

  it('at temperature 0 takes each node’s draft top-k in order', async () => {
    for (const [, c] of CURVES) {
      const { tree, draftDistAt } = await grow(25, c, GREEDY, 0);
      for (let u = 0; u < tree.size; u++) {
        const kids = tree.children[u];
        expect(kids.map((k) => tree.tokens[k])).toEqual(sortedIndices(draftDistAt(u)).slice(0, kids.length));
      }
    }
  });

  it('the tree of budget m is the first m nodes of the tree of a larger budget (same seed)', async () => {
    for (const [, c] of CURVES) {
      for (const params of [SAMPLED, GREEDY]) {
        for (const seed of [6, 7]) {
          const large = await grow(48, c, params, seed);
          for (const m of [1, 3, 10, 25, 47]) {
            const small = await grow(m, c, params, seed);
            expect(small.tree.size - 1).toBe(m);
            expect(large.tree.tokens.slice(0, m + 1)).toEqual(small.tree.tokens);
            expect(large.tree.parents.slice(0, m + 1)).toEqual(small.tree.parents);
            expect(large.tree.estimates.slice(0, m + 1)).toEqual(small.tree.estimates);
          }
        }
      }
    }
  });

  it('respects ctx.maxNodes below the budget, and a budget of 0 drafts nothing', async () => {
    const capped = await grow(30, identity, SAMPLED, 2, 7);
    expect(capped.tree.size - 1).toBe(7);
    const same = await grow(7, identity, SAMPLED, 2);
    expect(capped.tree.tokens).toEqual(same.tree.tokens);
    const none = await grow(0, step, SAMPLED, 2);
    expect(none.tree.size).toBe(1);
    expect(none.batches).toHaveLength(0);
    const noneGreedy = await grow(0, identity, GREEDY, 2, 5);
    expect(noneGreedy.batches).toHaveLength(0);
  });

  it('drafts each node at most once, parents first, every node that has children, within the budget', async () => {
    for (const [name, c] of CURVES) {
      for (const params of [SAMPLED, GREEDY]) {
        for (const seed of [3, 8]) {
          const budget = 40;
          const { tree, batches } = await grow(budget, c, params, seed);
          const expanded = batches.flat();
          expect(new Set(expanded).size, name).toBe(expanded.length);
          const seen = new Set<number>();
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            for (const n of batch) {
              expect(n).toBeLessThan(tree.size);
              if (n !== 0) expect(seen.has(tree.parents[n]), `${name}: parent of ${n} first`).toBe(true);
              seen.add(n);
            }
          }
          const internal = Array.from({ length: tree.size }, (_, u) => u).filter((u) => tree.children[u].length > 0);
          for (const u of internal) expect(seen.has(u)).toBe(true);
          expect(expanded.length).toBeLessThanOrEqual(budget + 1);
          expect(batches.length).toBeLessThanOrEqual(expanded.length);
        }
      }
    }
  });

  it('stops early when the draft has nothing left to draw', async () => {
    const topK: SamplingParams = { temperature: 1, topP: 1, topK: 1 }; // each node has exactly one child to give
    for (const [, c] of CURVES) {
      const { tree } = await grow(6, c, topK, 4);
      expect(tree.parents).toEqual([-1, 0, 1, 2, 3, 4, 5]);
    }
    const tiny = new TableLm({ vocab: 2, order: 1, seed: 3 });
    const { tree } = await growTree(dyspecCalibratedBuilder(200, identity), {
      ...options(GREEDY, 1, 20, tiny),
      prompt: [1],
      vocab: 2,
    });
    expect(tree.size - 1).toBe(20); // binary tree, limited by maxNodes only
    for (const kids of tree.children) expect(kids.length).toBeLessThanOrEqual(2);
  });

  it('grows deeper, narrower trees when unlikely tokens are known to be rejected', async () => {
    const flat = new TableLm({ vocab: 16, order: 2, seed: 12, sharpness: 1.2 }); // a high-entropy draft
    const shape = async (c: AcceptanceEstimate, params: SamplingParams, seed: number) => {
      const { tree } = await growTree(dyspecCalibratedBuilder(32, c), {
        ...options(params, seed, undefined, flat),
        vocab: 16,
      });
      const internal = tree.children.filter((k) => k.length > 0).length;
      return { depth: tree.maxDepth, width: tree.children[0].length, branching: (tree.size - 1) / internal };
    };
    const confident: AcceptanceEstimate = (q) => (q > 0.2 ? 0.9 : 0.01);
    // Wide trees batch: siblings are created before any of them is drafted, so calls < nodes with children.
    for (const seed of [1, 2, 3]) {
      const { tree, batches } = await growTree(dyspecCalibratedBuilder(32, identity), {
        ...options(GREEDY, seed, undefined, flat),
        vocab: 16,
      });
      const internal = tree.children.filter((k) => k.length > 0).length;
      expect(batches.length).toBeLessThan(internal);
    }
    for (const params of [GREEDY, { temperature: 1, topP: 1, topK: 0 }]) {
      for (const seed of [1, 2, 3]) {
        const plain = await shape(identity, params, seed);
        const sharp = await shape(confident, params, seed);
        expect(sharp.depth).toBeGreaterThan(plain.depth);
        expect(sharp.width).toBeLessThanOrEqual(plain.width);
        expect(sharp.branching).toBeLessThan(plain.branching);
      }
    }
  });

  it('at T > 0 grows a rare first draw’s subtree when rare draws are accepted as often as likely ones', async () => {
    // What a small draft at T = 0.8 shows: a first child is accepted about half the time whatever its q (even 1e-3),
    // a later sibling about a fifth of the time. The heap must then spend a budget of 4 on depth, not on the root.
    const cal = new AcceptanceCalibration();
    const steps = Array.from({ length: 200 }, (_, i) =>
      stepOf(
        [
          [i % 3 === 0 ? 0.001 : 0.3, i % 2 === 0 ? 'accepted' : 'rejected'],
          [0.001, i % 5 === 0 ? 'accepted' : 'rejected'],
        ],
        i,
      ),
    );
    cal.observe(steps);
    const c = cal.estimator();
    expect(c(0.0004, 0)).toBeGreaterThan(0.4); // the first bin's rate, not a line from the origin
    const wide = new TableLm({ vocab: 1024, order: 2, seed: 5, sharpness: 0.3 }); // nearly flat: q ~ 1/1024
    for (const seed of [1, 2, 3, 4, 5]) {
      const { tree } = await growTree(dyspecCalibratedBuilder(4, c), {
        ...options({ temperature: 1, topP: 1, topK: 0 }, seed, undefined, wide),
        vocab: 1024,
      });
      expect(tree.draftProbs[1]).toBeLessThan(CENTRE0); // the first draw is rare
      expect(tree.children[0].length).toBeLessThanOrEqual(2);
      expect(tree.maxDepth).toBeGreaterThanOrEqual(3);
    }
  });

  it('rejects a bad budget', () => {
    expect(() => dyspecCalibratedBuilder(-1, identity)).toThrow(InvalidSettingError);
    expect(() => dyspecCalibratedBuilder(2.5, identity)).toThrow(/budget must be an integer/);
    expect(() => dyspecCalibratedBuilder(NaN, identity)).toThrow(InvalidSettingError);
    const error = (() => {
      try {
        dyspecCalibratedBuilder(-3, identity);
      } catch (e) {
        return e;
      }
    })();
    expect((error as InvalidSettingError).setting).toBe('budget');
  });
});

describe('expectedAcceptance', () => {
  const distArb = (n: number) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((xs) => {
      const sum = xs.reduce((a, b) => a + b, 0) || 1;
      return Float32Array.from(xs, (x) => x / sum);
    });

  it('is Σ R[y]·c(q_y) when sampling and c(q at argmax R) at temperature 0', () => {
    fc.assert(
      fc.property(distArb(7), distArb(7), fc.integer({ min: 0, max: 2 }), (full, dist, which) => {
        const c = CURVES[which][1];
        let direct = 0;
        for (let y = 0; y < 7; y++) direct += dist[y] * c(full[y], 0);
        expect(expectedAcceptance(full, dist, false, c)).toBeCloseTo(direct, 12);
        expect(expectedAcceptance(full, dist, true, c)).toBe(c(full[argmax(dist)], 0));
      }),
      { seed: 9, numRuns: 200 },
    );
  });

  /** Long-tailed distributions, like a softmax over a real vocabulary: most tokens below the first bin. */
  const tailArb = (n: number) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((xs) => {
      const z = xs.map((x) => Math.exp(9 * x));
      const sum = z.reduce((a, b) => a + b, 0);
      return Float32Array.from(z, (x) => x / sum);
    });

  it("sums the tail through the estimate's flat segment to the same value as calling it per token", () => {
    const cal = new AcceptanceCalibration();
    const steps = Array.from({ length: 30 }, (_, i) =>
      stepOf(
        [
          [0.003, i % 4 === 0 ? 'accepted' : 'rejected'],
          [0.2, i % 2 === 0 ? 'accepted' : 'rejected'],
          [0.04, 'rejected'],
        ],
        i,
      ),
    );
    cal.observe(steps);
    const fast = cal.estimator();
    const plain: AcceptanceEstimate = (q, rank) => fast(q, rank); // same curve, no `flat`
    fc.assert(
      fc.property(tailArb(300), tailArb(300), fc.integer({ min: 0, max: 3 }), (full, dist, rank) => {
        for (const d of [full, dist]) {
          const slow = expectedAcceptance(full, d, false, plain, rank);
          expect(expectedAcceptance(full, d, false, fast, rank)).toBeCloseTo(slow, 12);
        }
      }),
      { seed: 4, numRuns: 100 },
    );
  });

  it('skips tokens without mass and reads c at the full distribution, not at R', () => {
    const full = Float32Array.from([0.5, 0.3, 0.2]);
    const rest = Float32Array.from([0, 0.6, 0.4]); // full without token 0, renormalised
    const asked: number[] = [];
    const c = (q: number) => (asked.push(q), q);
    expect(expectedAcceptance(full, rest, false, c)).toBeCloseTo(0.6 * 0.3 + 0.4 * 0.2, 7);
    expect(asked.map((q) => Math.round(q * 10) / 10)).toEqual([0.3, 0.2]);
    expect(expectedAcceptance(full, rest, true, identity)).toBeCloseTo(0.3, 7);
    expect(expectedAcceptance(full, full, false, () => 1)).toBeCloseTo(1, 6);
  });
});

describe('exactness: one step emits tokens with the target law, for any acceptance curve', () => {
  const cases: [string, AcceptanceEstimate, SamplingParams, number][] = [
    ['identity, temperature 1', identity, { temperature: 1, topP: 1, topK: 0 }, 40_000],
    ['step, temperature 1', step, { temperature: 1, topP: 1, topK: 0 }, 40_000],
    ['wavy, temperature 0.7, top-p 0.9', wavy, { temperature: 0.7, topP: 0.9, topK: 0 }, 30_000],
    ['step, temperature 0 (greedy)', step, { temperature: 0, topP: 1, topK: 0 }, 500],
  ];
  it.each(cases)('%s', (_, c, params, samples) => expectStepLaw(dyspecCalibratedBuilder(8, c), params, samples));
});
