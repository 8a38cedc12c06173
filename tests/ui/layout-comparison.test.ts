import { describe, expect, it } from 'vitest';
import { InvalidSettingError } from '../../src/core/errors';
import { parseStrategy, STRATEGY_KINDS } from '../../src/core/strategy';
import {
  branchingNodes,
  budgetSeries,
  depthSeries,
  FAMILIES,
  familyOf,
  familyRanks,
  strategySources,
} from '../../src/ui/layout/comparison';
import type { ComparisonRow } from '../../src/ui/layout/comparison';

const row = (strategy: string, budget: number, tau: number, speedup: number, rates: number[] = []): ComparisonRow => ({
  strategy,
  family: familyOf(strategy),
  sources: strategySources(strategy),
  budget,
  tau,
  speedup,
  tokensPerSecond: 10 * speedup,
  acceptanceRatePerDepth: rates,
});

describe('familyOf', () => {
  it('is the kind the engine parses, sources and case aside', () => {
    const names = ['ar', 'chain:2', 'Chain:4@context', 'tree:3x2x1', 'sequoia:32:6', 'sequoia:auto', 'dyspec:8'];
    const more = ['dyspec:auto@context+model', 'dyspec-cal:8', 'dyspec-cal:auto', 'dyspec-t:0.1:64'];
    for (const name of [...names, ...more]) expect(familyOf(name), name).toBe(parseStrategy(name).kind);
    // dyspec-t is a family of its own (it used to be read as `dyspec` by keyword).
    expect(familyOf('dyspec-t:0.1')).toBe('dyspec-t');
    expect(familyOf('dyspec-cal:8')).toBe('dyspec-cal');
    expect(FAMILIES).toEqual(STRATEGY_KINDS);
  });

  it('rejects names outside the grammar instead of guessing from keywords', () => {
    for (const loose of ['chain-4', 'Autoregressive', 'sequoia-32', 'tree-3x2x1', 'my dyspec tree']) {
      expect(() => familyOf(loose), loose).toThrow(InvalidSettingError);
      expect(() => strategySources(loose), loose).toThrow(InvalidSettingError);
    }
  });

  it('ranks strategies within their family, in order', () => {
    const names = ['ar', 'chain:2', 'tree:2x2', 'chain:4@context', 'chain:8', 'dyspec:8', 'tree:4'];
    expect(familyRanks(names.map(familyOf))).toEqual([0, 0, 0, 1, 2, 0, 1]);
  });

  it('counts nodes of branching vectors', () => {
    expect(branchingNodes([])).toBe(0);
    expect(branchingNodes([2, 2, 2])).toBe(14);
  });
});

describe('series', () => {
  const rows = [
    row('ar', 0, 1, 1),
    row('chain:8', 8, 3, 1.8, [0.8, 0.7]),
    row('chain:4', 4, 2.5, 1.6, [0.8, 0.7, 0.6, 0.5]),
    row('tree:2x2', 6, 2.8, 1.7, [0.9, 0.6]),
    row('dyspec:16', 16, 3.4, Number.NaN, [0.9, Number.NaN, 0.5]),
  ];
  it('groups budget series by family, sorted, without ar or non-finite values', () => {
    const tau = budgetSeries(rows, 'tau');
    expect(tau.map((s) => s.family)).toEqual(['chain', 'tree', 'dyspec']);
    expect(tau[0].points.map((p) => p.strategy)).toEqual(['chain:4', 'chain:8']);
    const speed = budgetSeries(rows, 'speedup');
    expect(speed.map((s) => s.family)).toEqual(['chain', 'tree']);
  });
  it('builds per-depth series for rows with rates', () => {
    const d = depthSeries(rows);
    expect(d.map((s) => s.strategy)).toEqual(['chain:8', 'chain:4', 'tree:2x2', 'dyspec:16']);
    expect(d[3].points).toEqual([
      { depth: 1, rate: 0.9 },
      { depth: 3, rate: 0.5 },
    ]);
  });
});
