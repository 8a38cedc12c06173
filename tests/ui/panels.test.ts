import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/core/step';
import { chainStep } from '../helpers/steps';
import type { RunView } from '../../src/store/run-slice';
import { comparisonBench } from '../../src/store/comparison-bench';
import { comparisonRows, strategyBudget } from '../../src/ui/layout/comparison';
import { STRATEGY_KINDS } from '../../src/core/strategy';
import { composeStrategy, DEFAULT_DRAFT, draftFromStrategy, KIND_LABELS } from '../../src/ui/panels/strategy-draft';

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

/** Rows of the runs as the page computes them (core's benchmark summary). */
const rowsOf = (runs: RunView[]) => comparisonRows(comparisonBench(runs).result);

describe('comparison rows', () => {
  it('computes budget, tau and speedup against the ar run', () => {
    const ar = run(
      'ar',
      [chainStep(0, 0, 0, 10), chainStep(1, 0, 0, 10), chainStep(2, 0, 0, 10), chainStep(3, 0, 0, 10)],
      40,
    );
    const chain = run('chain:3', [chainStep(0, 3, 3, 20), chainStep(1, 3, 1, 20)], 40);
    const rows = rowsOf([ar, chain]);
    expect(rows[0]).toMatchObject({ strategy: 'ar', family: 'ar', budget: 0, tau: 1, speedup: 1, runs: 1 });
    expect(rows[1]).toMatchObject({ strategy: 'chain:3', family: 'chain', budget: 3, tau: 3 });
    expect(rows[1].speedup).toBeCloseTo(6 / 4);
    expect(rows[1].acceptanceRatePerDepth).toEqual([1, 0.5, 0.5]);
  });

  it('pools the runs of a strategy over prompts, with a paired interval over them', () => {
    const other = (r: RunView): RunView => ({ ...r, promptText: 'q' });
    const arA = run('ar', [chainStep(0, 0, 0, 10), chainStep(1, 0, 0, 10)], 20);
    const arB = other(run('ar', [chainStep(0, 0, 0, 10), chainStep(1, 0, 0, 10)], 20));
    const chA = run('chain:3', [chainStep(0, 3, 3, 20)], 20);
    const chB = other(run('chain:3', [chainStep(0, 3, 0, 20)], 20));
    const rows = rowsOf([arA, chA, chB, arB]);
    expect(rows.map((r) => r.strategy)).toEqual(['ar', 'chain:3']);
    expect(rows[1].tau).toBe(2.5); // (4 + 1) tokens / 2 steps
    expect(rows[1].speedup).toBeCloseTo(5 / 40 / (4 / 40));
    expect(rows[1].runs).toBe(2);
    const [low, high] = rows[1].speedupCi!;
    expect(low).toBeCloseTo(0.5); // prompt q alone: 1 token in 20 ms vs 2
    expect(high).toBeCloseTo(2); // prompt p alone: 4 tokens vs 2
  });

  it('has no rows without an ar run or a complete unit, and budgets for every kind', () => {
    const alone = comparisonBench([run('dyspec:4', [chainStep(0, 4, 1, 5)], 5)]);
    expect(alone.result).toBeNull();
    expect(alone.note).toMatch(/no ar runs/);
    const incomplete = comparisonBench([
      run('ar', [chainStep(0, 0, 0, 5)], 5),
      { ...run('chain:2', [], 1), promptText: 'q' },
    ]);
    expect(incomplete.result).toBeNull();
    expect(strategyBudget('tree:4x2x1', 4)).toBe(4 + 8 + 8);
    expect(strategyBudget('sequoia:16:4', 4)).toBe(16);
    expect(strategyBudget('dyspec:32', 4)).toBe(32);
    expect(strategyBudget('dyspec-t:0.1', 4)).toBe(4); // mean draft nodes
    expect(strategyBudget('dyspec:auto', 4)).toBe(4);
    expect(strategyBudget('dyspec-cal:24', 4)).toBe(24);
    const auto = run('dyspec:auto', [chainStep(0, 4, 1, 5), chainStep(1, 2, 1, 5)], 10, 'dyspec:4');
    expect(rowsOf([run('ar', [chainStep(0, 0, 0, 5)], 5), auto])[1].budget).toBe(3); // mean drafted
  });

  it('leaves out strategies outside the grammar, saying so', () => {
    const out = comparisonBench([
      run('ar', [chainStep(0, 0, 0, 5)], 5),
      run('my-fancy-tree', [chainStep(0, 2, 1, 5)], 5),
    ]);
    expect(out.result?.rows.map((r) => r.strategy)).toEqual(['ar']);
    expect(out.note).toMatch(/my-fancy-tree/);
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
