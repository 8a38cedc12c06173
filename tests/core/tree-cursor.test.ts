import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { treeAttention } from '../../src/core/mask';
import { TreeCursor } from '../../src/core/tree-cursor';
import type { TokenTree } from '../../src/core/tree';
import { parentsArb, treeFromParents } from '../helpers/random-tree';
import { TableLm } from '../helpers/table-lm';

const VOCAB = 7;

/** A model whose cache already holds `committed` (fed as one causal chain and kept). */
async function modelWith(committed: readonly number[], paddingRows: number): Promise<TableLm> {
  const model = new TableLm({ vocab: VOCAB, order: 3, seed: 17, paddingRows });
  if (committed.length > 0) {
    const { bias, positions } = treeAttention(
      0,
      committed.map((_, i) => i - 1),
    );
    await model.forward(committed, positions, bias);
    await model.commit(committed.map((_, i) => i));
  }
  return model;
}

/** Feeds the tree in batches: node i goes in batch `batchOf[i]` (never before its parent's). */
async function feedInBatches(cursor: TreeCursor, batchOf: number[], stride: number): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (const batch of [...new Set(batchOf)].sort((a, b) => a - b)) {
    const nodes = batchOf.map((b, i) => (b === batch ? i : -1)).filter((i) => i >= 0);
    const { logits } = await cursor.feed(nodes);
    nodes.forEach((node, j) => (rows[node] = logits.slice(j * stride, (j + 1) * stride)));
  }
  return rows;
}

const pathTokens = (tree: TokenTree, node: number) => tree.pathTo(node).map((n) => tree.tokens[n]);

const caseArb = fc.record({
  parents: parentsArb(12),
  tokens: fc.array(fc.nat({ max: VOCAB - 1 }), { minLength: 12, maxLength: 12 }),
  committed: fc.array(fc.nat({ max: VOCAB - 1 }), { maxLength: 4 }),
  prefix: fc.array(fc.nat({ max: VOCAB - 1 }), { maxLength: 3 }),
  steps: fc.array(fc.nat({ max: 2 }), { minLength: 12, maxLength: 12 }),
  target: fc.nat(),
  padding: fc.constantFrom(0, 2),
});

describe('TreeCursor', () => {
  it('gives the same logits fed in several batches as in one, each the model on its own path', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ parents, tokens, committed, prefix, steps, padding }) => {
        const tree = treeFromParents(parents, tokens, VOCAB);
        const batchOf = parents.map(() => 0);
        for (let i = 1; i < parents.length; i++) batchOf[i] = batchOf[parents[i]] + steps[i];

        const one = await modelWith(committed, padding);
        const stride = one.vocabSize;
        const whole = await feedInBatches(
          new TreeCursor(one, tree, prefix),
          parents.map(() => 0),
          stride,
        );
        const split = await modelWith(committed, padding);
        const parts = await feedInBatches(new TreeCursor(split, tree, prefix), batchOf, stride);
        for (let node = 0; node < tree.size; node++) {
          expect(parts[node]).toEqual(whole[node]);
          expect(whole[node]).toEqual(one.logitsFor([...committed, ...prefix, ...pathTokens(tree, node)]));
        }
        expect(one.calls).toBe(1 + (committed.length > 0 ? 1 : 0));
      }),
      { seed: 3, numRuns: 120 },
    );
  });

  it('keeps the committed rows, the prefix and the fed part of the accepted path', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ parents, tokens, committed, prefix, steps, target }) => {
        const tree = treeFromParents(parents, tokens, VOCAB);
        const model = await modelWith(committed, 0);
        const cursor = new TreeCursor(model, tree, prefix);
        // Feed only the nodes whose step count is 0 along their whole path (a subtree containing the root).
        const fed = parents.map(() => false);
        for (let i = 0; i < parents.length; i++) fed[i] = (i === 0 || fed[parents[i]]) && steps[i] === 0;
        await cursor.feed(fed.map((f, i) => (f ? i : -1)).filter((i) => i >= 0));
        const path = tree.pathTo(target % tree.size);
        const kept = await cursor.commit(path);
        const expectedKept = path.findIndex((n) => !fed[n]) < 0 ? path.length : path.findIndex((n) => !fed[n]);
        expect(kept).toBe(expectedKept);
        expect(model.cachedTokens).toEqual([
          ...committed,
          ...prefix,
          ...path.slice(0, kept).map((n) => tree.tokens[n]),
        ]);
      }),
      { seed: 4, numRuns: 120 },
    );
  });

  it('drops an unfed prefix from the commit and reports nothing kept', async () => {
    const tree = treeFromParents([-1, 0], [1, 2], VOCAB);
    const model = await modelWith([3, 4], 0);
    const cursor = new TreeCursor(model, tree, [5, 6]);
    expect(await cursor.commit([0, 1])).toBe(0);
    expect(model.cachedTokens).toEqual([3, 4]);
  });

  it('refuses to feed a node twice or before its ancestors', async () => {
    const tree = treeFromParents([-1, 0, 1], [1, 2, 3], VOCAB);
    const cursor = new TreeCursor(await modelWith([], 0), tree, []);
    await expect(cursor.feed([1])).rejects.toThrow(/ancestor 0 has not been fed/);
    await cursor.feed([0]);
    await expect(cursor.feed([0])).rejects.toThrow(/already fed/);
    await expect(cursor.feed([2])).rejects.toThrow(/ancestor 1/);
    expect(cursor.rowOf(0)).toBe(0);
    expect(cursor.rowOf(1)).toBe(-1);
  });
});
