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
  isResolved,
  parseResolvedStrategy,
  parseStrategy,
  withBudget,
  type AutoStrategy,
  type ResolvedStrategy,
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
    ['dyspec-cal:16', { kind: 'dyspec-cal', budget: 16 }],
    [' DySpec-Cal:1 ', { kind: 'dyspec-cal', budget: 1 }],
    ['dyspec-cal:256', { kind: 'dyspec-cal', budget: 256 }],
    ['dyspec-cal:auto', { kind: 'dyspec-cal', budget: 'auto' }],
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
    ['dyspec-cal', 'dyspec-cal takes 1 argument'],
    ['dyspec-cal:0', 'dyspec-cal node budget must be a whole number from 1 to 256, got "0"'],
    ['dyspec-cal:x', '"x"'],
    ['dyspec-cal:-4', '"-4"'],
    ['dyspec-cal:1.5', '"1.5"'],
    ['dyspec-cal:257', '"257"'],
    ['dyspec-cal:', '""'],
    ['dyspec-cal:8:2', 'dyspec-cal:8:2'],
    ['dyspec-cal:auto:2', 'dyspec-cal:auto:2'],
    ['dyspec-calibrated:8', 'unknown strategy "dyspec-calibrated"'],
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
    .oneof(fc.integer({ min: 1, max: MAX_TREE_NODES }), fc.constant<'auto'>('auto'))
    .map((budget): Strategy => ({ kind: 'dyspec-cal', budget })),
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
    expect(formatStrategy({ kind: 'dyspec-cal', budget: 12 })).toBe('dyspec-cal:12');
    expect(formatStrategy({ kind: 'dyspec-cal', budget: 'auto' })).toBe('dyspec-cal:auto');
  });
});

describe('builderFor', () => {
  const target = new TableLm({ vocab: 8, order: 2, seed: 1 });
  const draft = new TableLm({ vocab: 8, order: 2, seed: 2, like: target });

  async function treeSize(text: string): Promise<number> {
    const tree = new TokenTree(1);
    await builderFor(parseResolvedStrategy(text))(
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
    expect(await treeSize('dyspec-cal:10')).toBe(10);
    expect(await treeSize('dyspec-t:0.001:7')).toBe(7);
  });

  it('refuses an unresolved auto budget', () => {
    expect(isAutoStrategy(parseStrategy('dyspec:auto'))).toBe(true);
    expect(isAutoStrategy(parseStrategy('dyspec:4'))).toBe(false);
    expect(isAutoStrategy(parseStrategy('sequoia:auto'))).toBe(true);
    expect(isAutoStrategy(parseStrategy('dyspec-cal:auto'))).toBe(true);
    expect(isAutoStrategy(parseStrategy('dyspec-cal:4'))).toBe(false);
    for (const text of ['ar', 'chain:2', 'tree:2x2', 'sequoia:8', 'dyspec-t:0.1']) {
      expect(isAutoStrategy(parseStrategy(text))).toBe(false);
    }
    // The types keep an auto strategy away from builderFor; a caller that casts still gets the documented error.
    const unresolved = (text: string) => parseStrategy(text) as unknown as ResolvedStrategy;
    expect(() => builderFor(unresolved('sequoia:auto'))).toThrow(InvalidSettingError);
    expect(() => builderFor(unresolved('dyspec:auto'))).toThrow(InvalidSettingError);
    expect(() => builderFor(unresolved('dyspec-cal:auto'))).toThrow(/dyspec-cal:auto must be resolved/);
  });

  it('keys dyspec-cal trees by the acceptance estimate it is given (default: the identity)', async () => {
    const build = async (acceptanceEstimate?: (q: number) => number) => {
      const tree = new TokenTree(1);
      await builderFor(parseResolvedStrategy('dyspec-cal:6'), { acceptanceEstimate })(
        tableDraftContext(tree, { target, draft, context: [1], params: GREEDY }, new Rng(1)),
      );
      return tree;
    };
    const plain = await build();
    expect(plain.size - 1).toBe(6);
    expect(plain.estimates[1]).toBeCloseTo(plain.draftProbs[1], 12); // reach 1 · c(q) with c = identity
    const half = await build(() => 0.5);
    expect(half.estimates[1]).toBe(0.5);
    expect(half.ranks.some((r) => r > 0)).toBe(true);
    expect(half.maxDepth).toBeGreaterThan(1);
    for (let i = 1; i < half.size; i++) {
      // c = 1/2 everywhere: reach halves per level and per earlier sibling on the way down.
      const path = half.pathTo(i).slice(1);
      const halvings = path.length + path.reduce((sum, n) => sum + half.ranks[n], 0);
      expect(half.estimates[i]).toBeCloseTo(0.5 ** halvings, 12);
    }
  });
});

describe('isResolved and parseResolvedStrategy', () => {
  it('tells a runnable strategy from an auto one', () => {
    for (const text of [
      'ar',
      'chain:2',
      'tree:2x2',
      'sequoia:8',
      'sequoia:8:3',
      'dyspec:4',
      'dyspec-cal:4',
      'dyspec-t:0.1',
    ]) {
      expect(isResolved(parseStrategy(text))).toBe(true);
    }
    for (const text of ['sequoia:auto', 'dyspec:auto', 'dyspec-cal:auto', 'dyspec-cal:auto@context+model']) {
      expect(isResolved(parseStrategy(text))).toBe(false);
    }
  });

  it('is the inverse of formatStrategy on every resolved strategy', () => {
    fc.assert(
      fc.property(strategyArb, (spec) => {
        if (!isResolved(spec)) return;
        expect(parseResolvedStrategy(formatStrategy(spec))).toEqual(spec);
      }),
      { seed: 6, numRuns: 200 },
    );
  });

  it.each([
    ['chain:3', { kind: 'chain', gamma: 3 }],
    [' Sequoia:12:4 ', { kind: 'sequoia', budget: 12, maxDepth: 4 }],
    ['dyspec-cal:7@context', { kind: 'dyspec-cal', budget: 7, sources: ['context'] }],
    ['ar', { kind: 'ar' }],
  ])('parses %s as written', (text, spec) => {
    expect(parseResolvedStrategy(text)).toEqual(spec);
  });

  it.each(['sequoia:auto', 'dyspec:auto', 'dyspec-cal:auto', 'dyspec:auto@context'])(
    'refuses %s: only the controller gives it a node count',
    (text) => {
      const error = (() => {
        try {
          parseResolvedStrategy(text);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidSettingError);
      expect((error as InvalidSettingError).setting).toBe('strategy');
      expect((error as Error).message).toContain(`${text.split(':')[0]}:auto`);
    },
  );

  it('passes on the grammar errors of parseStrategy', () => {
    for (const text of ['beam:4', 'chain:0', 'tree:16x16', 'dyspec-cal:257']) {
      expect(() => parseResolvedStrategy(text)).toThrow(InvalidSettingError);
    }
  });
});

describe('withBudget', () => {
  const auto = (text: string): AutoStrategy => {
    const spec = parseStrategy(text);
    if (!isAutoStrategy(spec)) throw new Error(`${text} is not auto`);
    return spec;
  };

  it('gives each auto kind the chosen node count, keeping the kind and the sources', () => {
    expect(withBudget(auto('dyspec:auto'), 24)).toEqual({ kind: 'dyspec', budget: 24 });
    expect(withBudget(auto('dyspec-cal:auto'), 9)).toEqual({ kind: 'dyspec-cal', budget: 9 });
    expect(withBudget(auto('sequoia:auto'), 16)).toEqual({ kind: 'sequoia', budget: 16, maxDepth: null });
    expect(withBudget(auto('dyspec-cal:auto@model+context'), 5)).toEqual({
      kind: 'dyspec-cal',
      budget: 5,
      sources: ['context', 'model'],
    });
    expect(formatStrategy(withBudget(auto('sequoia:auto@corpus'), 1))).toBe('sequoia:1@corpus');
    expect(withBudget(auto('dyspec:auto'), MAX_TREE_NODES)).toEqual({ kind: 'dyspec', budget: MAX_TREE_NODES });
  });

  it('turns budget 0 into ar: a step without speculation, sources dropped', () => {
    for (const text of ['dyspec:auto', 'dyspec-cal:auto', 'sequoia:auto', 'dyspec-cal:auto@context+corpus']) {
      const step = withBudget(auto(text), 0);
      expect(step).toEqual({ kind: 'ar' });
      expect(formatStrategy(step)).toBe('ar');
      expect(builderFor(step)).toBeTypeOf('function');
    }
  });

  it.each([-1, 1.5, MAX_TREE_NODES + 1, NaN])('refuses budget %s as an InvalidSettingError', (budget) => {
    for (const text of ['dyspec:auto', 'dyspec-cal:auto', 'sequoia:auto']) {
      expect(() => withBudget(auto(text), budget)).toThrow(InvalidSettingError);
    }
  });

  it('returns a strategy builderFor runs at the advertised size', async () => {
    const target = new TableLm({ vocab: 8, order: 2, seed: 1 });
    const draft = new TableLm({ vocab: 8, order: 2, seed: 2, like: target });
    for (const [text, budget] of [
      ['dyspec:auto', 7],
      ['dyspec-cal:auto', 5],
      ['sequoia:auto', 9],
      ['dyspec:auto', 0],
    ] as const) {
      const tree = new TokenTree(1);
      await builderFor(withBudget(auto(text), budget))(
        tableDraftContext(tree, { target, draft, context: [1], params: GREEDY }, new Rng(1)),
      );
      expect(tree.size - 1).toBe(budget);
    }
  });
});
