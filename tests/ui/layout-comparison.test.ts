import { describe, expect, it } from 'vitest';
import { branchingNodes, budgetOf, budgetSeries, depthSeries, familyOf } from '../../src/ui/layout/comparison';
import type { ComparisonRow } from '../../src/ui/layout/comparison';

const row = (strategy: string, budget: number, tau: number, speedup: number, rates: number[] = []): ComparisonRow => ({
  strategy,
  family: familyOf(strategy),
  budget,
  tau,
  speedup,
  tokensPerSecond: 10 * speedup,
  acceptanceRatePerDepth: rates,
});

describe('familyOf', () => {
  it('recognises every family', () => {
    expect(familyOf('ar')).toBe('ar');
    expect(familyOf('Autoregressive')).toBe('ar');
    expect(familyOf('chain-4')).toBe('chain');
    expect(familyOf('sequoia-32')).toBe('sequoia');
    expect(familyOf('DySpec-48')).toBe('dyspec');
    expect(familyOf('dynamic-threshold-0.1')).toBe('dyspec');
    expect(familyOf('tree-3x2x1')).toBe('tree');
    expect(familyOf('fixed:[4,2]')).toBe('tree');
  });
});

describe('budgetOf', () => {
  it('reads the engine grammar exactly', () => {
    expect(familyOf('chain:4')).toBe('chain');
    expect(familyOf('tree:3x2x1')).toBe('tree');
    expect(familyOf('sequoia:32:6')).toBe('sequoia');
    expect(familyOf('dyspec-t:0.1:64')).toBe('dyspec');
    expect(budgetOf('ar')).toBe(0);
    expect(budgetOf('chain:4')).toBe(4);
    expect(budgetOf('tree:3x2x1')).toBe(15);
    expect(budgetOf('sequoia:32:6')).toBe(32);
    expect(budgetOf('dyspec:48')).toBe(48);
    expect(budgetOf('dyspec:auto')).toBeNaN();
    expect(budgetOf('dyspec-t:0.1:64')).toBeNaN();
    expect(budgetOf('dyspec-t:0.1:64', 17.25)).toBe(17.25);
  });

  it('parses budgets from looser names', () => {
    expect(budgetOf('ar')).toBe(0);
    expect(budgetOf('chain-4')).toBe(4);
    expect(budgetOf('sequoia-32')).toBe(32);
    expect(budgetOf('sequoia-32-d6')).toBe(32);
    expect(budgetOf('dyspec-48')).toBe(48);
    expect(budgetOf('tree-3x2x1')).toBe(3 + 6 + 6);
    expect(budgetOf('fixed:[4,2]')).toBe(4 + 8);
    expect(budgetOf('k2d3')).toBe(2 + 4 + 8);
    expect(budgetOf('3-ary-depth-2')).toBe(3 + 9);
    expect(budgetOf('dyspec-threshold-0.1')).toBeNaN();
  });
  it('prefers a measured mean tree size', () => {
    expect(budgetOf('dyspec-threshold-0.1', 23.5)).toBe(23.5);
    expect(budgetOf('chain-4', Number.NaN)).toBe(4);
  });
  it('counts nodes of branching vectors', () => {
    expect(branchingNodes([])).toBe(0);
    expect(branchingNodes([2, 2, 2])).toBe(14);
  });
});

describe('series', () => {
  const rows = [
    row('ar', 0, 1, 1),
    row('chain-8', 8, 3, 1.8, [0.8, 0.7]),
    row('chain-4', 4, 2.5, 1.6, [0.8, 0.7, 0.6, 0.5]),
    row('tree-2x2', 6, 2.8, 1.7, [0.9, 0.6]),
    row('dyspec-16', 16, 3.4, Number.NaN, [0.9, Number.NaN, 0.5]),
  ];
  it('groups budget series by family, sorted, without ar or non-finite values', () => {
    const tau = budgetSeries(rows, 'tau');
    expect(tau.map((s) => s.family)).toEqual(['chain', 'tree', 'dyspec']);
    expect(tau[0].points.map((p) => p.strategy)).toEqual(['chain-4', 'chain-8']);
    const speed = budgetSeries(rows, 'speedup');
    expect(speed.map((s) => s.family)).toEqual(['chain', 'tree']);
  });
  it('builds per-depth series for rows with rates', () => {
    const d = depthSeries(rows);
    expect(d.map((s) => s.strategy)).toEqual(['chain-8', 'chain-4', 'tree-2x2', 'dyspec-16']);
    expect(d[3].points).toEqual([
      { depth: 1, rate: 0.9 },
      { depth: 3, rate: 0.5 },
    ]);
  });
});
