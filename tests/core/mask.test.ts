import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCKED, buildAttentionBias, treeAttention } from '../../src/core/mask';
import { ancestorsOf, parentsArb } from '../helpers/random-tree';

describe('treeAttention', () => {
  it('lets each row see exactly the past, its ancestors and itself (random trees)', () => {
    fc.assert(
      fc.property(parentsArb(24), fc.nat({ max: 6 }), (parents, past) => {
        const n = parents.length;
        const width = past + n;
        const { bias, positions } = treeAttention(past, parents);
        expect(bias).toHaveLength(n * width);
        for (let i = 0; i < n; i++) {
          const ancestors = ancestorsOf(parents, i);
          for (let c = 0; c < width; c++) {
            const allowed = c < past || ancestors.has(c - past);
            expect(bias[i * width + c]).toBe(allowed ? 0 : BLOCKED);
          }
          expect(positions[i]).toBe(past + ancestors.size - 1); // past + depth
        }
      }),
      { seed: 2, numRuns: 150 },
    );
  });

  it('rejects a parent that does not come before its child', () => {
    expect(() => treeAttention(0, [-1, 1])).toThrow(/before its child/);
    expect(() => treeAttention(0, [-1, 2, 0])).toThrow(/before its child/);
  });
});

describe('buildAttentionBias', () => {
  it('adds the listed earlier cache rows to the shared past and the in-batch ancestors', () => {
    // 5 cache rows: 0..1 shared, 2..4 fed earlier in this step; 3 new rows: 0 <- 1, and 2 alone.
    const bias = buildAttentionBias({
      pastLength: 5,
      sharedPast: 2,
      parentInBatch: [-1, 0, -1],
      visibleCacheRows: [[2], [2], [3, 4]],
    });
    const rows = [0, 1, 2].map((i) => Array.from(bias.subarray(i * 8, i * 8 + 8), (b) => (b === 0 ? 1 : 0)));
    expect(rows).toEqual([
      [1, 1, 1, 0, 0, 1, 0, 0],
      [1, 1, 1, 0, 0, 1, 1, 0],
      [1, 1, 0, 1, 1, 0, 0, 1],
    ]);
  });

  it('rejects cache rows outside the step and self-parenting rows', () => {
    const spec = { pastLength: 3, sharedPast: 1, parentInBatch: [-1], visibleCacheRows: [[0]] };
    expect(() => buildAttentionBias(spec)).toThrow(/outside/);
    expect(() => buildAttentionBias({ ...spec, visibleCacheRows: [[3]] })).toThrow(/outside/);
    expect(() => buildAttentionBias({ ...spec, parentInBatch: [0], visibleCacheRows: [[]] })).toThrow(
      /before its child/,
    );
  });
});
