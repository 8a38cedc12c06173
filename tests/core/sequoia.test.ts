import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedAcceptedLength, optimalSequoiaShape, sequoiaBuilder } from '../../src/core/builders/sequoia';
import { InvalidSettingError } from '../../src/core/errors';
import { sortedIndices, type SamplingParams } from '../../src/core/sampling';
import { growTree } from '../helpers/draft-tree';
import { TableLm } from '../helpers/table-lm';
import { describeStepLaw } from '../helpers/step-law-suite';

/** An ordered tree as the list of its root's subtrees, in rank order. */
type Ordered = Ordered[];

/** Every ordered tree of `size` nodes (Catalan(size - 1) of them), memoised. */
const treesMemo = new Map<number, Ordered[]>();
function trees(size: number): Ordered[] {
  const hit = treesMemo.get(size);
  if (hit) return hit;
  const out = forests(size - 1);
  treesMemo.set(size, out);
  return out;
}
function forests(m: number): Ordered[] {
  if (m === 0) return [[]];
  const out: Ordered[] = [];
  for (let s = 1; s <= m; s++)
    for (const first of trees(s)) for (const rest of forests(m - s)) out.push([first, ...rest]);
  return out;
}
const depthOf = (t: Ordered): number => (t.length === 0 ? 0 : 1 + Math.max(...t.map(depthOf)));
const widthOf = (t: Ordered): number => Math.max(t.length, ...t.map(widthOf));
/** The positional model, written independently of sequoia.ts: child k is reached with p_k times its parent's reach. */
const valueOf = (t: Ordered, p: readonly number[]): number =>
  t.reduce((sum, c, k) => sum + p[k] * (1 + valueOf(c, p)), 0);
/** Preorder parents list. */
function flatten(t: Ordered): number[] {
  const parents = [-1];
  const walk = (node: Ordered, index: number): void => {
    for (const child of node) {
      const i = parents.length;
      parents.push(index);
      walk(child, i);
    }
  };
  walk(t, 0);
  return parents;
}

describe('optimalSequoiaShape', () => {
  it('the DP equals brute force over all ordered trees, for every n <= 8 and depth <= 8', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (acceptance) => {
          const K = acceptance.length;
          for (let n = 0; n <= 8; n++) {
            const all = trees(n + 1).map((t) => ({
              depth: depthOf(t),
              width: widthOf(t),
              value: valueOf(t, acceptance),
            }));
            for (let d = 0; d <= 8; d++) {
              const fits = all.filter((t) => t.depth <= d && t.width <= K);
              if (fits.length === 0) {
                expect(() => optimalSequoiaShape(acceptance, n, d)).toThrow(InvalidSettingError);
                continue;
              }
              const brute = Math.max(...fits.map((t) => t.value));
              const shape = optimalSequoiaShape(acceptance, n, d);
              expect(shape.expectedAcceptedLength).toBeCloseTo(brute, 12);
              // The returned shape is a legal tree of that value, in canonical breadth-first order.
              const { parents } = shape;
              expect(parents).toHaveLength(n + 1);
              expect(parents[0]).toBe(-1);
              const depth = [0];
              const kids = new Array<number>(n + 1).fill(0);
              for (let i = 1; i <= n; i++) {
                expect(parents[i]).toBeGreaterThanOrEqual(i > 1 ? parents[i - 1] : 0); // breadth first
                expect(parents[i]).toBeLessThan(i);
                depth.push(depth[parents[i]] + 1);
                kids[parents[i]]++;
              }
              expect(Math.max(...depth)).toBeLessThanOrEqual(d);
              expect(Math.max(...kids)).toBeLessThanOrEqual(K);
              expect(expectedAcceptedLength(parents, acceptance)).toBeCloseTo(brute, 12);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('expectedAcceptedLength agrees with the independent model on every tree of 6 nodes', () => {
    const p = [0.6, 0.25, 0.1];
    for (const t of trees(6)) {
      const q = [...p, 0, 0, 0]; // ranks beyond K are never accepted
      expect(expectedAcceptedLength(flatten(t), p)).toBeCloseTo(valueOf(t, q), 12);
    }
  });

  it('prefers a chain when the first child is likely and a bush when it is not', () => {
    const chain = optimalSequoiaShape([0.8, 0.1], 2, 2);
    expect(chain.parents).toEqual([-1, 0, 1]);
    expect(chain.expectedAcceptedLength).toBeCloseTo(0.8 + 0.8 * 0.8, 12);
    const bush = optimalSequoiaShape([0.3, 0.25], 2, 2);
    expect(bush.parents).toEqual([-1, 0, 0]);
    expect(bush.expectedAcceptedLength).toBeCloseTo(0.3 + 0.25, 12);
    expect(optimalSequoiaShape([0.5], 0, 0)).toEqual({ parents: [-1], expectedAcceptedLength: 0 });
  });

  it('rejects impossible sizes and bad inputs with the setting named', () => {
    expect(() => optimalSequoiaShape([0.5, 0.2], 3, 1)).toThrow(/no tree of 3 nodes has depth <= 1/);
    expect(() => optimalSequoiaShape([1.5], 3, 3)).toThrow(/p_1 must be in \[0, 1\]/);
    expect(() => optimalSequoiaShape([0.5], -1, 3)).toThrow(InvalidSettingError);
    expect(() => optimalSequoiaShape([0.5], 3, 1.5)).toThrow(InvalidSettingError);
  });

  it('handles the engine-sized case (256 nodes) quickly', () => {
    const shape = optimalSequoiaShape([0.5, 0.15, 0.08, 0.05, 0.03, 0.02, 0.015, 0.01], 256, 256);
    expect(shape.parents).toHaveLength(257);
    expect(shape.expectedAcceptedLength).toBeCloseTo(
      expectedAcceptedLength(shape.parents, [0.5, 0.15, 0.08, 0.05, 0.03, 0.02, 0.015, 0.01]),
      9,
    );
  });
});

const VOCAB = 12;
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 11, sharpness: 1.5 });
const PROMPT = [3, 1, 4];
const SAMPLED: SamplingParams = { temperature: 0.9, topP: 1, topK: 0 };

describe('sequoiaBuilder', () => {
  const shape = optimalSequoiaShape([0.6, 0.2, 0.1], 10, 4);

  it('grows exactly the shape, one draft call per layer, each node keeping the distribution it was drawn from', async () => {
    for (const seed of [1, 2, 3]) {
      const { tree, batches, draftDistAt } = await growTree(sequoiaBuilder(shape), {
        draft,
        prompt: PROMPT,
        params: SAMPLED,
        vocab: VOCAB,
        seed,
      });
      expect(tree.parents).toEqual(shape.parents);
      // Layer by layer: each batch is every node of one depth that has children in the shape.
      const withChildren = tree.children.map((c, i) => (c.length > 0 ? i : -1)).filter((i) => i >= 0);
      expect(batches.flat()).toEqual(withChildren);
      for (const batch of batches) expect(new Set(batch.map((i) => tree.depths[i])).size).toBe(1);
      expect(batches).toHaveLength(new Set(withChildren.map((i) => tree.depths[i])).size);
      for (let u = 0; u < tree.size; u++) {
        const q = draftDistAt(u); // [vocab]
        const kids = tree.children[u];
        expect(new Set(kids.map((c) => tree.tokens[c])).size).toBe(kids.length);
        let reach = tree.estimates[u];
        kids.forEach((c, k) => {
          // The k-th child was drawn from norm(q with the earlier siblings' tokens zeroed).
          const expected = Array.from(q);
          for (const s of kids.slice(0, k)) expected[tree.tokens[s]] = 0;
          const sum = expected.reduce((a, b) => a + b, 0);
          const from = tree.sampledFrom[c] as Float32Array;
          expected.forEach((x, i) => expect(from[i]).toBeCloseTo(x / sum, 6));
          expect(tree.draftProbs[c]).toBe(q[tree.tokens[c]]);
          expect(tree.estimates[c]).toBeCloseTo(reach * from[tree.tokens[c]], 12);
          reach *= 1 - from[tree.tokens[c]];
        });
      }
    }
  });

  it('takes the draft top-k in order at temperature 0', async () => {
    const greedy: SamplingParams = { temperature: 0, topP: 1, topK: 0 };
    const { tree, draftDistAt } = await growTree(sequoiaBuilder(shape), {
      draft,
      prompt: PROMPT,
      params: greedy,
      vocab: VOCAB,
      seed: 0,
    });
    expect(tree.parents).toEqual(shape.parents);
    for (let u = 0; u < tree.size; u++) {
      const kids = tree.children[u];
      expect(kids.map((c) => tree.tokens[c])).toEqual(sortedIndices(draftDistAt(u)).slice(0, kids.length));
    }
  });

  it('cuts the shape breadth first at the node cap', async () => {
    const { tree } = await growTree(sequoiaBuilder(shape), {
      draft,
      prompt: PROMPT,
      params: SAMPLED,
      vocab: VOCAB,
      seed: 5,
      maxNodes: 5,
    });
    expect(tree.parents).toEqual(shape.parents.slice(0, 6));
  });

  it('leaves out children the draft distribution cannot supply', async () => {
    const topK: SamplingParams = { temperature: 1, topP: 1, topK: 2 };
    const bush = { parents: [-1, 0, 0, 0, 0, 3] }; // 4 children of the root; the draft keeps only 2 tokens
    const { tree } = await growTree(sequoiaBuilder(bush), {
      draft,
      prompt: PROMPT,
      params: topK,
      vocab: VOCAB,
      seed: 5,
    });
    expect(tree.parents).toEqual([-1, 0, 0]);
  });

  it('rejects a malformed shape', () => {
    expect(() => sequoiaBuilder({ parents: [0, 0] })).toThrow(/parents\[0\] must be -1/);
    expect(() => sequoiaBuilder({ parents: [-1, 0, 3, 1] })).toThrow(/parents\[2\] = 3/);
  });
});

describeStepLaw(() => sequoiaBuilder(optimalSequoiaShape([0.6, 0.2, 0.1], 8, 4)));
