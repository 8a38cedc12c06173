import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSettingError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { GREEDY } from '../../src/core/sampling';
import {
  builderFor,
  DEFAULT_THRESHOLD_CAP,
  formatStrategy,
  isAutoStrategy,
  MAX_TREE_NODES,
  parseStrategy,
  resolveStrategy,
  type Strategy,
} from '../../src/core/strategy';
import { TokenTree } from '../../src/core/tree';
import { tableDraftContext } from '../helpers/exact-law';
import { TableLm } from '../helpers/table-lm';

describe('parseStrategy', () => {
  it.each<[string, Strategy]>([
    ['ar', { kind: 'ar' }],
    ['chain:4', { kind: 'chain', gamma: 4 }],
    [' Chain:1 ', { kind: 'chain', gamma: 1 }],
    ['tree:4x2x1', { kind: 'tree', branching: [4, 2, 1] }],
    ['tree:3', { kind: 'tree', branching: [3] }],
    ['sequoia:16', { kind: 'sequoia', budget: 16, maxDepth: null }],
    ['sequoia:32:6', { kind: 'sequoia', budget: 32, maxDepth: 6 }],
    ['sequoia:auto', { kind: 'sequoia', budget: 'auto', maxDepth: null }],
    ['dyspec:48', { kind: 'dyspec', budget: 48 }],
    ['dyspec:auto', { kind: 'dyspec', budget: 'auto' }],
    ['dyspec-t:0.05', { kind: 'dyspec-t', threshold: 0.05, cap: DEFAULT_THRESHOLD_CAP }],
    ['dyspec-t:.2:100', { kind: 'dyspec-t', threshold: 0.2, cap: 100 }],
    ['dyspec-t:1e-3:8', { kind: 'dyspec-t', threshold: 0.001, cap: 8 }],
  ])('parses %s', (text, spec) => {
    expect(parseStrategy(text)).toEqual(spec);
  });

  it.each([
    ['beam:4', 'beam'],
    ['', '""'],
    ['ar:2', 'ar:2'],
    ['chain', 'chain'],
    ['chain:0', '"0"'],
    ['chain:-1', '"-1"'],
    ['chain:2.5', '"2.5"'],
    ['chain:x', '"x"'],
    ['chain:257', '"257"'],
    ['chain:3:1', 'chain:3:1'],
    ['tree:', 'tree branching ""'],
    ['tree:4x0x1', '"0"'],
    ['tree:4xax2', '"a"'],
    ['tree:4x', '""'],
    ['tree:2.5', '"2.5"'],
    ['tree:16x16', '272'],
    ['sequoia:0', '"0"'],
    ['sequoia:300', '"300"'],
    ['sequoia:8:0', 'depth'],
    ['sequoia:auto:4', 'sequoia:auto:4'],
    ['dyspec:0', '"0"'],
    ['dyspec:257', '"257"'],
    ['dyspec:big', '"big"'],
    ['dyspec-t:0', '"0"'],
    ['dyspec-t:1', '"1"'],
    ['dyspec-t:1.5', '"1.5"'],
    ['dyspec-t:-0.1', '"-0.1"'],
    ['dyspec-t:abc', '"abc"'],
    ['dyspec-t:0.1:0', '"0"'],
    ['dyspec-t:0.1:x', '"x"'],
  ])('rejects %s, naming %s', (text, named) => {
    let error: unknown;
    try {
      parseStrategy(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect((error as InvalidSettingError).setting).toBe('strategy');
    expect((error as Error).message).toContain(named);
  });
});

const strategyArb: fc.Arbitrary<Strategy> = fc.oneof(
  fc.constant<Strategy>({ kind: 'ar' }),
  fc.integer({ min: 1, max: MAX_TREE_NODES }).map((gamma): Strategy => ({ kind: 'chain', gamma })),
  fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .map((branching): Strategy => ({ kind: 'tree', branching })),
  fc
    .record({
      budget: fc.oneof(fc.integer({ min: 1, max: MAX_TREE_NODES }), fc.constant<'auto'>('auto')),
      maxDepth: fc.option(fc.integer({ min: 1, max: 20 })),
    })
    .map(({ budget, maxDepth }): Strategy => ({
      kind: 'sequoia',
      budget,
      maxDepth: budget === 'auto' ? null : maxDepth,
    })),
  fc
    .oneof(fc.integer({ min: 1, max: MAX_TREE_NODES }), fc.constant<'auto'>('auto'))
    .map((budget): Strategy => ({ kind: 'dyspec', budget })),
  fc
    .record({
      threshold: fc.double({ min: 1e-6, max: 0.999, noNaN: true }),
      cap: fc.integer({ min: 1, max: MAX_TREE_NODES }),
    })
    .map(({ threshold, cap }): Strategy => ({ kind: 'dyspec-t', threshold, cap })),
);

describe('formatStrategy', () => {
  it('is the inverse of parseStrategy', () => {
    fc.assert(
      fc.property(strategyArb, (spec) => {
        const text = formatStrategy(spec);
        expect(parseStrategy(text)).toEqual(spec);
        expect(formatStrategy(parseStrategy(text))).toBe(text);
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('writes the documented forms', () => {
    expect(formatStrategy({ kind: 'tree', branching: [4, 2, 1] })).toBe('tree:4x2x1');
    expect(formatStrategy({ kind: 'dyspec-t', threshold: 0.1, cap: DEFAULT_THRESHOLD_CAP })).toBe('dyspec-t:0.1');
    expect(formatStrategy({ kind: 'sequoia', budget: 'auto', maxDepth: null })).toBe('sequoia:auto');
  });
});

describe('builderFor and resolveStrategy', () => {
  const target = new TableLm({ vocab: 8, order: 2, seed: 1 });
  const draft = new TableLm({ vocab: 8, order: 2, seed: 2, like: target });

  async function treeSize(text: string): Promise<number> {
    const tree = new TokenTree(1);
    await builderFor(parseStrategy(text))(
      tableDraftContext(tree, { target, draft, context: [1], params: GREEDY }, new Rng(1)),
    );
    return tree.size - 1;
  }

  it('builds trees of the advertised size for every kind', async () => {
    expect(await treeSize('ar')).toBe(0);
    expect(await treeSize('chain:5')).toBe(5);
    expect(await treeSize('tree:3x2')).toBe(9);
    expect(await treeSize('sequoia:12')).toBe(12);
    expect(await treeSize('sequoia:6:1')).toBe(6);
    expect(await treeSize('dyspec:10')).toBe(10);
    expect(await treeSize('dyspec-t:0.001:7')).toBe(7);
  });

  it('refuses an unresolved auto budget', () => {
    expect(isAutoStrategy(parseStrategy('dyspec:auto'))).toBe(true);
    expect(isAutoStrategy(parseStrategy('dyspec:4'))).toBe(false);
    expect(() => builderFor(parseStrategy('sequoia:auto'))).toThrow(InvalidSettingError);
  });

  it('resolves auto through the chooser, and only then', async () => {
    const chain = parseStrategy('chain:3');
    expect(await resolveStrategy(chain)).toBe(chain);
    await expect(resolveStrategy(parseStrategy('dyspec:auto'))).rejects.toThrow(/budget chooser/);
    const asked: string[] = [];
    const chooser = async ({ kind }: { kind: string }) => {
      asked.push(kind);
      return { budget: 24, maxDepth: 5 };
    };
    expect(await resolveStrategy(parseStrategy('dyspec:auto'), chooser)).toEqual({ kind: 'dyspec', budget: 24 });
    expect(await resolveStrategy(parseStrategy('sequoia:auto'), chooser)).toEqual({
      kind: 'sequoia',
      budget: 24,
      maxDepth: 5,
    });
    expect(asked).toEqual(['dyspec', 'sequoia']);
    await expect(resolveStrategy(parseStrategy('dyspec:auto'), () => ({ budget: 0 }))).rejects.toThrow(/"0"/);
  });
});
