import { describe, expect, it } from 'vitest';
import { calibrationBins } from '../../src/ui/layout/calibration';
import { rootOnlyStep, sampleStep } from './layout-fixtures';

describe('calibrationBins', () => {
  it('bins every examined draft node by q', () => {
    // Examined nodes of sampleStep: 1 (q .6, acc), 3 (q .5, rej), 4 (q .2, acc), 6 (q .4, rej); 2 and 5 unvisited.
    const bins = calibrationBins([sampleStep(0), sampleStep(1), rootOnlyStep(2, 17)], 10);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 2, 0, 2, 2, 2, 0, 0, 0]);
    expect(bins[2]).toMatchObject({ lo: 0.2, hi: 0.3, acceptanceRate: 1 });
    expect(bins[2].meanDraftProb).toBeCloseTo(0.2);
    expect(bins[4].acceptanceRate).toBe(0);
    expect(bins[5].acceptanceRate).toBe(0);
    expect(bins[6].acceptanceRate).toBe(1);
    expect(bins[9]).toMatchObject({ count: 0, acceptanceRate: 0, meanDraftProb: 0.95 });
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(8);
  });

  it('puts q = 1 in the last bin and mixes outcomes within a bin', () => {
    const step = sampleStep(0, {
      tree: { ...sampleStep().tree, draftProbs: [1, 1, 0.3, 0.55, 0.45, 0.9, 0.48] },
    });
    const bins = calibrationBins([step], 2);
    expect(bins.map((b) => b.count)).toEqual([2, 2]);
    // bin 0: node 4 (.45, acc), node 6 (.48, rej); bin 1: node 1 (1, acc), node 3 (.55, rej)
    expect(bins[0].acceptanceRate).toBe(0.5);
    expect(bins[0].meanDraftProb).toBeCloseTo(0.465);
    expect(bins[1].acceptanceRate).toBe(0.5);
    expect(bins[1].meanDraftProb).toBeCloseTo(0.775);
  });

  it('returns empty bins for no steps', () => {
    const bins = calibrationBins([], 4);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 0]);
    expect(bins[3].hi).toBe(1);
  });
});
