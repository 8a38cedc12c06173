/**
 * Calibration of the draft: does the draft's probability of a token predict whether the target accepts it?
 * (DySpec's premise, arXiv 2410.11744.) Every node the verifier examined is one sample: x = its draft probability
 * q at its parent, y = accepted or not.
 */
import type { StepRecord } from '../../core/step';

/** One probability bin of a reliability diagram. */
export interface CalibrationBin {
  /** Lower edge (inclusive). */
  lo: number;
  /** Upper edge (exclusive, except the last bin, which includes 1). */
  hi: number;
  /** Mean draft probability of the bin's samples; the bin's midpoint when empty. */
  meanDraftProb: number;
  /** Fraction of the bin's samples that were accepted; 0 when empty. */
  acceptanceRate: number;
  /** Samples in the bin. */
  count: number;
}

/**
 * Bins every examined draft node (decision 'accepted' or 'rejected'; the root and unvisited nodes are left out) by
 * its draft probability into `bins` equal-width bins over [0, 1]. Always returns `bins` bins, empty ones included.
 */
export function calibrationBins(steps: readonly StepRecord[], bins = 10): CalibrationBin[] {
  const n = Math.max(1, Math.floor(bins));
  const sumQ = new Array<number>(n).fill(0);
  const accepted = new Array<number>(n).fill(0);
  const count = new Array<number>(n).fill(0);
  for (const step of steps) {
    const { parents, draftProbs } = step.tree;
    for (let i = 0; i < parents.length; i++) {
      const decision = step.decisions[i];
      if (parents[i] === -1 || (decision !== 'accepted' && decision !== 'rejected')) continue;
      const q = draftProbs[i];
      if (!Number.isFinite(q)) continue;
      const clamped = Math.min(1, Math.max(0, q));
      const b = Math.min(n - 1, Math.floor(clamped * n));
      sumQ[b] += clamped;
      count[b] += 1;
      if (decision === 'accepted') accepted[b] += 1;
    }
  }
  return count.map((c, b) => ({
    lo: b / n,
    hi: (b + 1) / n,
    meanDraftProb: c > 0 ? sumQ[b] / c : (b + 0.5) / n,
    acceptanceRate: c > 0 ? accepted[b] / c : 0,
    count: c,
  }));
}
