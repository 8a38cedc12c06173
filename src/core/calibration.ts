/**
 * Acceptance calibration: how likely a drafted token is to be accepted, once the verifier reaches it, as a function
 * of its draft probability q.
 *
 * DySpec (arXiv 2410.11744) assumes the acceptance of a reached token equals its draft probability. A small draft
 * is rarely calibrated like that: at temperature 0 a token is accepted iff it is the target's argmax, so a draft top-1
 * of q = 0.3 is accepted far more often than 30% of the time, while the many low-q siblings of a wide tree are
 * accepted almost never. This table learns the real curve from the steps so far: bins over q, a Beta prior per bin
 * centred on the identity (so with no data it is DySpec's assumption, for q above the first bin centre), and a
 * monotone fit (more draft confidence never predicts less acceptance), read by linear interpolation between bin
 * centres.
 *
 * "Reached" is the verifier's own record: a node is examined when its decision is 'accepted' or 'rejected'.
 * Pure and deterministic: the same steps give the same curve.
 */
import type { SamplingParams } from './sampling';
import type { StepRecord } from './step';
import { formatStrategy, type Strategy } from './strategy';

/** Bin edges over q; fine near 0 where most drafted tokens of a wide tree sit. */
export const CALIBRATION_EDGES: readonly number[] = [
  0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
];

/** Resolution of `estimator`'s table. */
const GRID = 1024;

/** Pseudo-observations per bin at the identity curve: a few steps of data outweigh it. */
const PRIOR_STRENGTH = 2;

/**
 * A learned map q -> P(accepted | reached), pooled over sibling ranks and, more finely, per rank group: a node's
 * first child (rank 0), its second (rank 1) and the later ones (rank >= 2). They differ at the same q: a later
 * sibling is only reached after rejections, when the verifier already knows the earlier guesses were wrong (and, at
 * T > 0, draws from the target's residual, which shrinks with each rejection: at T = 0.8 a reached second child was
 * accepted 27% of the time, a third 15%, a fourth 10%). The first two groups' curves are shrunk toward the pooled
 * one and the last toward the second's, so a group with little data follows its neighbour.
 * Mutable: `observe` adds steps.
 */
export class AcceptanceCalibration {
  /** [bins] examined nodes per bin, all ranks. */
  readonly reached: number[];
  /** [bins] of those, accepted. */
  readonly accepted: number[];
  /** [group][bins] the same per rank group (0: first children, 1: second children, 2: later siblings). */
  private readonly groupReached: number[][];
  private readonly groupAccepted: number[][];
  private curve: number[] | null = null;
  private groupCurves: (number[] | null)[] = RANK_GROUPS.map(() => null);
  /** [bins] bin centres, where the fitted values sit. */
  private readonly centres: readonly number[];
  /** [GRID + 1] `segmentTable` of the centres, shared by every snapshot. */
  private readonly segments: Uint8Array;

  constructor(private readonly edges: readonly number[] = CALIBRATION_EDGES) {
    if (edges.length < 2 || edges[0] !== 0 || edges[edges.length - 1] !== 1) {
      throw new RangeError('calibration edges must run from 0 to 1');
    }
    this.reached = new Array<number>(edges.length - 1).fill(0);
    this.accepted = new Array<number>(edges.length - 1).fill(0);
    this.groupReached = RANK_GROUPS.map(() => new Array<number>(edges.length - 1).fill(0));
    this.groupAccepted = RANK_GROUPS.map(() => new Array<number>(edges.length - 1).fill(0));
    this.centres = edges.slice(1).map((hi, b) => (edges[b] + hi) / 2);
    this.segments = segmentTable(this.centres);
  }

  /** Adds every examined draft node of the steps. */
  observe(steps: readonly StepRecord[]): void {
    let examined = 0;
    for (const step of steps) {
      const { draftProbs, ranks } = step.tree;
      for (let i = 1; i < draftProbs.length; i++) {
        const decision = step.decisions[i];
        if (decision === 'unvisited') continue;
        const bin = this.binOf(draftProbs[i]);
        const group = groupOf(ranks[i]);
        examined++;
        this.reached[bin]++;
        this.groupReached[group][bin]++;
        if (decision === 'accepted') {
          this.accepted[bin]++;
          this.groupAccepted[group][bin]++;
        }
      }
    }
    if (examined === 0) return; // a target-only step: the fitted curves stand (refitting them is not free)
    this.curve = null;
    this.groupCurves = RANK_GROUPS.map(() => null);
  }

  /** Examined nodes seen so far. */
  get observations(): number {
    return this.reached.reduce((a, b) => a + b, 0);
  }

  /**
   * Estimated P(accepted | reached) for a token of draft probability q, in [0, 1]: the fitted bin values joined
   * linearly between bin centres, flat below the first centre and above the last one. Flat below, not through the
   * origin: at T > 0 a rare draw (q of 1e-3) is still accepted about half the time, whenever the target likes it too,
   * and the first bin's mean is what the data says for every q in it.
   */
  estimate(q: number, rank?: number): number {
    return interpolate(this.curveFor(rank), this.centres, q, 0);
  }

  /**
   * A snapshot of `estimate` for the tree builders, which call it for every token of a distribution: the same
   * values, found through a 1/1024 grid of segment indices instead of a scan over the bins (the bins are wider than
   * a grid cell, so a cell holds at most one centre), and `flat`: the constant segment below the first centre,
   * where most of a distribution's tokens fall. Later observations do not change a snapshot.
   */
  estimator(): ((q: number, rank?: number) => number) & {
    flat: { below: number; value(rank?: number): number };
  } {
    const pooled = [...this.curveFor(undefined)];
    const groups = RANK_GROUPS.map((g) => [...this.curveFor(g)]);
    const { centres, segments } = this;
    const curveOf = (rank?: number) => (rank === undefined ? pooled : groups[groupOf(rank)]);
    const estimate = (q: number, rank?: number) =>
      interpolate(curveOf(rank), centres, q, segments[Math.floor(Math.min(Math.max(q, 0), 1) * GRID)]);
    // below the first centre `interpolate` is the first bin's value
    const flat = { below: centres[0], value: (rank?: number) => curveOf(rank)[0] };
    return Object.assign(estimate, { flat });
  }

  /** The fitted value per bin (posterior means made non-decreasing), pooled or for a rank's group. */
  fitted(rank?: number): number[] {
    return [...this.curveFor(rank)];
  }

  private curveFor(rank: number | undefined): number[] {
    const pooled = (this.curve ??= this.fit(this.accepted, this.reached, this.centres));
    if (rank === undefined) return pooled;
    const g = groupOf(rank);
    // prior: the second children's curve for later siblings, the pooled one for the other groups
    return (this.groupCurves[g] ??= this.fit(
      this.groupAccepted[g],
      this.groupReached[g],
      g < 2 ? pooled : this.curveFor(1),
    ));
  }

  private binOf(q: number): number {
    for (let b = 1; b < this.edges.length; b++) if (q < this.edges[b]) return b - 1;
    return this.edges.length - 2;
  }

  /** Posterior means with PRIOR_STRENGTH pseudo-observations at `prior` per bin, made non-decreasing. */
  private fit(accepted: readonly number[], reached: readonly number[], prior: readonly number[]): number[] {
    const means = prior.map((p, b) => (accepted[b] + PRIOR_STRENGTH * p) / (reached[b] + PRIOR_STRENGTH));
    return isotonic(
      means,
      reached.map((n) => n + PRIOR_STRENGTH),
    );
  }
}

/**
 * One calibration per strategy and sampling setting, for a caller that keeps a model pair loaded across runs (the
 * controller): acceptance depends on the pair, the draft sources and temperature/top-p/top-k, not on the prompt, so
 * what one run learned serves the next run of the same strategy. Each strategy learns alone, so a comparison's
 * figures do not depend on the order its strategies ran in (a table's counts and a network's softmax turn into
 * acceptance differently, too). A short run alone hardly leaves the identity prior (64 tokens are about 30 steps).
 */
export class CalibrationsBySetting {
  private readonly byKey = new Map<string, AcceptanceCalibration>();

  /** The calibration a run of `strategy` carries: `dyspec-cal`'s (its only reader), created empty on first use. */
  forRun(strategy: Strategy, params: SamplingParams): AcceptanceCalibration | undefined {
    if (strategy.kind !== 'dyspec-cal') return undefined;
    // Greedy decoding ignores top-p and top-k.
    const setting = params.temperature === 0 ? 'greedy' : `${params.temperature}|${params.topP}|${params.topK}`;
    const key = `${setting}|${formatStrategy(strategy)}`;
    let cal = this.byKey.get(key);
    if (!cal) this.byKey.set(key, (cal = new AcceptanceCalibration()));
    return cal;
  }
}

/** [cell] of a 1/GRID grid over [0, 1]: the index of the first centre >= the cell's start. */
function segmentTable(centres: readonly number[]): Uint8Array {
  const segment = new Uint8Array(GRID + 1);
  for (let i = 0, b = 0; i <= GRID; i++) {
    while (b < centres.length && centres[b] < i / GRID) b++;
    segment[i] = b;
  }
  return segment;
}

/** Rank groups of `AcceptanceCalibration`. */
const RANK_GROUPS = [0, 1, 2] as const;

/** Rank group of a sibling rank: 0 for a first child, 1 for a second, 2 for any later sibling. */
function groupOf(rank: number): 0 | 1 | 2 {
  return rank === 0 ? 0 : rank === 1 ? 1 : 2;
}

/**
 * The piecewise-linear curve through (centres[b], curve[b]) at q, scanning centres from `from` (any index whose
 * centre is not above q, or the first centre >= q's grid cell).
 */
function interpolate(curve: readonly number[], centres: readonly number[], q: number, from: number): number {
  let b = from;
  while (b < centres.length && q > centres[b]) b++;
  if (b === 0) return curve[0]; // flat below the first centre (see `estimate`)
  if (b === centres.length) return curve[b - 1]; // flat past the last centre
  const w = (q - centres[b - 1]) / (centres[b] - centres[b - 1]);
  return curve[b - 1] + w * (curve[b] - curve[b - 1]);
}

/** Weighted pool-adjacent-violators: the closest non-decreasing sequence in weighted least squares. */
export function isotonic(values: readonly number[], weights: readonly number[]): number[] {
  const blocks: { sum: number; weight: number; count: number }[] = [];
  values.forEach((v, i) => {
    blocks.push({ sum: v * weights[i], weight: weights[i], count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.weight <= b.sum / b.weight) break;
      blocks.pop();
      a.sum += b.sum;
      a.weight += b.weight;
      a.count += b.count;
    }
  });
  return blocks.flatMap((b) => new Array<number>(b.count).fill(b.sum / b.weight));
}
