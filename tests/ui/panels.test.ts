import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/core/metrics';
import type { StepRecord } from '../../src/core/step';
import type { RunView } from '../../src/store/run-slice';
import { comparisonRows, pooledMetrics, strategyBudget } from '../../src/ui/panels/comparison-rows';
import { STRATEGY_KINDS } from '../../src/core/strategy';
import { composeStrategy, DEFAULT_DRAFT, draftFromStrategy, KIND_LABELS } from '../../src/ui/panels/strategy-draft';

/** A step drafting `drafted` nodes in a chain and accepting `accepted` of them, taking `ms`. */
function step(index: number, drafted: number, accepted: number, ms: number): StepRecord {
  const n = drafted + 1;
  const parents = Array.from({ length: n }, (_, i) => i - 1);
  return {
    index,
    tree: {
      sources: Array.from({ length: n }, (_, i) => (i === 0 ? null : 'model')),
      tokens: Array.from({ length: n }, (_, i) => i + 1),
      parents,
      ranks: new Array<number>(n).fill(0),
      draftProbs: new Array<number>(n).fill(0.5),
      estimates: new Array<number>(n).fill(0.5),
      targetProbs: new Array<number | null>(n).fill(null),
    },
    decisions: parents.map((_, i) => (i <= accepted ? 'accepted' : i === accepted + 1 ? 'rejected' : 'unvisited')),
    acceptedPath: Array.from({ length: accepted + 1 }, (_, i) => i),
    bonusToken: 99,
    emitted: [...Array.from({ length: accepted }, (_, i) => i + 2), 99],
    draftCalls: drafted,
    timings: { draft: ms / 2, verify: ms / 2, tree: 0, commit: 0, sampling: 0, total: ms },
  };
}

function run(strategy: string, steps: StepRecord[], elapsedMs: number, resolved: string | null = null): RunView {
  return {
    source: 'live',
    strategy,
    resolvedStrategy: resolved,
    settings: { temperature: 0, topP: 1, topK: 0, seed: 1, maxNewTokens: 8, backend: 'wasm' },
    models: { draft: null, target: { id: 't', hash: 'h' } },
    promptText: 'p',
    promptIds: [1],
    steps,
    tokens: steps.flatMap((s) => s.emitted),
    text: '',
    stopReason: 'max_tokens',
    elapsedMs,
    tokenTexts: {},
    createdAt: '2026-01-01T00:00:00Z',
    baselineKey: null,
  };
}

describe('comparison rows', () => {
  it('computes budget, tau and speedup against the ar run', () => {
    const ar = run('ar', [step(0, 0, 0, 10), step(1, 0, 0, 10), step(2, 0, 0, 10), step(3, 0, 0, 10)], 40);
    const chain = run('chain:3', [step(0, 3, 3, 20), step(1, 3, 1, 20)], 40);
    const rows = comparisonRows([ar, chain]);
    expect(rows[0]).toMatchObject({ strategy: 'ar', family: 'ar', budget: 0, tau: 1, speedup: 1 });
    expect(rows[1]).toMatchObject({ strategy: 'chain:3', family: 'chain', budget: 3, tau: 3 });
    expect(rows[1].speedup).toBeCloseTo(6 / 4);
    expect(rows[1].acceptanceRatePerDepth).toEqual([1, 0.5, 0.5]);
  });

  it('pools the runs of a strategy over prompts', () => {
    const arA = run('ar', [step(0, 0, 0, 10), step(1, 0, 0, 10)], 20);
    const arB = run('ar', [step(0, 0, 0, 10), step(1, 0, 0, 10)], 20);
    const chA = run('chain:3', [step(0, 3, 3, 20)], 20);
    const chB = run('chain:3', [step(0, 3, 0, 20)], 20);
    const rows = comparisonRows([arA, arB, chA, chB]);
    expect(rows.map((r) => r.strategy)).toEqual(['ar', 'chain:3']);
    expect(rows[1].tau).toBe(2.5); // (4 + 1) tokens / 2 steps
    expect(rows[1].speedup).toBeCloseTo(5 / 40 / (4 / 40));
    expect(pooledMetrics([chA, chB]).verify_steps).toBe(2);
  });

  it('gives NaN speedups without an ar run, and budgets for every kind', () => {
    expect(comparisonRows([run('dyspec:4', [step(0, 4, 1, 5)], 5)])[0].speedup).toBeNaN();
    const m = computeMetrics([step(0, 6, 1, 5), step(1, 2, 0, 5)]);
    expect(strategyBudget('tree:4x2x1', m)).toBe(4 + 8 + 8);
    expect(strategyBudget('sequoia:16:4', m)).toBe(16);
    expect(strategyBudget('dyspec:32', m)).toBe(32);
    expect(strategyBudget('dyspec-t:0.1', m)).toBe(4); // mean tree size
    expect(strategyBudget('dyspec:auto', m)).toBe(4);
    expect(strategyBudget('dyspec-cal:24', m)).toBe(24);
    expect(strategyBudget('dyspec-cal:auto', m)).toBe(4);
    const resolved = run('dyspec:auto', [step(0, 4, 1, 5)], 5, 'dyspec:12');
    expect(comparisonRows([resolved])[0].budget).toBe(12);
  });
});

describe('strategy form draft', () => {
  it('round-trips every kind through the strategy text', () => {
    for (const text of [
      'ar',
      'chain:5',
      'tree:4x2x1',
      'sequoia:16',
      'sequoia:16:4',
      'sequoia:auto',
      'dyspec:24',
      'dyspec:auto',
      'dyspec-cal:24',
      'dyspec-cal:1',
      'dyspec-cal:auto',
      'dyspec-t:0.05',
      'dyspec-t:0.1:32',
    ]) {
      expect(composeStrategy(draftFromStrategy(text))).toBe(text);
    }
  });

  it('keeps the other kinds’ knobs when switching, and leaves bad text to the store to report', () => {
    const d = draftFromStrategy('chain:7', { ...DEFAULT_DRAFT, dyspecBudget: '40' });
    expect(composeStrategy({ ...d, kind: 'dyspec' })).toBe('dyspec:40');
    expect(composeStrategy({ ...d, kind: 'tree', branching: ' 3 x 2 ' })).toBe('tree:3x2');
    expect(draftFromStrategy('nonsense', DEFAULT_DRAFT)).toBe(DEFAULT_DRAFT);
  });

  it('reads dyspec-cal into the shared DySpec budget knobs, auto included', () => {
    const d = draftFromStrategy('dyspec-cal:12', { ...DEFAULT_DRAFT, dyspecAuto: true });
    expect(d).toMatchObject({ kind: 'dyspec-cal', dyspecBudget: '12', dyspecAuto: false });
    expect(composeStrategy({ ...d, kind: 'dyspec' })).toBe('dyspec:12');
    expect(composeStrategy({ ...d, dyspecBudget: ' 20 ' })).toBe('dyspec-cal:20');
    const auto = draftFromStrategy('DySpec-Cal:auto', { ...DEFAULT_DRAFT, dyspecBudget: '40' });
    expect(auto).toMatchObject({ kind: 'dyspec-cal', dyspecAuto: true, dyspecBudget: '40' });
    expect(composeStrategy(auto)).toBe('dyspec-cal:auto');
    expect(composeStrategy({ ...auto, dyspecAuto: false })).toBe('dyspec-cal:40');
    expect(composeStrategy({ ...auto, kind: 'dyspec' })).toBe('dyspec:auto');
    // Bad budgets are composed as typed, for the store to report.
    expect(draftFromStrategy('dyspec-cal:0', DEFAULT_DRAFT)).toBe(DEFAULT_DRAFT);
    expect(composeStrategy({ ...DEFAULT_DRAFT, kind: 'dyspec-cal', dyspecBudget: 'x' })).toBe('dyspec-cal:x');
  });

  it('labels every strategy kind', () => {
    for (const kind of STRATEGY_KINDS) expect(KIND_LABELS[kind]).toMatch(/\S/);
    expect(KIND_LABELS['dyspec-cal']).not.toBe(KIND_LABELS.dyspec);
  });
});
