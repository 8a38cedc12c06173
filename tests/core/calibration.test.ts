import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AcceptanceCalibration, CALIBRATION_EDGES, CalibrationsBySetting, isotonic } from '../../src/core/calibration';
import type { SamplingParams } from '../../src/core/sampling';
import type { NodeDecision } from '../../src/core/step';
import { parseStrategy } from '../../src/core/strategy';
import { stepOf, times } from '../helpers/steps';

const CENTRES = CALIBRATION_EDGES.slice(1).map((hi, b) => (CALIBRATION_EDGES[b] + hi) / 2);
const BINS = CENTRES.length;
/** A fine grid over [0, 1]. */
const GRID = Array.from({ length: 201 }, (_, i) => i / 200);

function expectNonDecreasing(values: readonly number[], tolerance = 1e-12): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] - tolerance);
}

describe('AcceptanceCalibration', () => {
  it('is the identity (DySpec’s assumption) before any data, above the first bin centre', () => {
    const cal = new AcceptanceCalibration();
    expect(cal.observations).toBe(0);
    expect(cal.fitted()).toHaveLength(BINS);
    cal.fitted().forEach((v, b) => expect(v).toBeCloseTo(CENTRES[b], 12));
    for (const c of CENTRES) expect(cal.estimate(c)).toBeCloseTo(c, 12);
    // Linear between centres: still the identity there.
    for (const q of GRID.filter((x) => x >= CENTRES[0] && x <= CENTRES[BINS - 1])) {
      expect(cal.estimate(q)).toBeCloseTo(q, 12);
    }
    // Flat below the first centre (the first bin's value, not a line through the origin).
    for (const q of [0, 1e-6, CENTRES[0] / 2]) expect(cal.estimate(q)).toBeCloseTo(CENTRES[0], 12);
    // Flat past the last centre.
    expect(cal.estimate(1)).toBeCloseTo(CENTRES[BINS - 1], 12);
  });

  it('learns that confident tokens are accepted and unlikely ones are not', () => {
    const cal = new AcceptanceCalibration();
    const before = GRID.map((q) => cal.estimate(q));
    cal.observe([stepOf([...times(400, [0.85, 'accepted']), ...times(400, [0.03, 'rejected'])])]);
    expect(cal.observations).toBe(800);
    expect(cal.reached[CALIBRATION_EDGES.findIndex((e) => e > 0.85) - 1]).toBe(400);
    expect(cal.estimate(0.85)).toBeGreaterThan(0.99); // was 0.85
    expect(cal.estimate(0.03)).toBeLessThan(0.005); // was 0.03 (the bin's centre 0.035)
    expect(cal.estimate(0.85)).toBeGreaterThan(before[GRID.indexOf(0.85)]);
    expect(cal.estimate(0.035)).toBeLessThan(0.035);
    // Bins far from any data keep the prior (isotonic pooling aside, which is not needed here).
    expect(cal.estimate(CENTRES[9])).toBeCloseTo(CENTRES[9], 12);
  });

  it('moves from the prior toward the observed rate as data accumulate', () => {
    const top = BINS - 1; // [0.9, 1], centre 0.95: nothing above it to pool with
    const values = [1, 4, 16, 64, 256].map((n) => {
      const cal = new AcceptanceCalibration();
      cal.observe([stepOf(times(n, [0.97, 'accepted']))]);
      return cal.fitted()[top];
    });
    for (let i = 0; i < values.length; i++) {
      expect(values[i]).toBeGreaterThan(i === 0 ? CENTRES[top] : values[i - 1]);
      expect(values[i]).toBeLessThan(1);
    }
    expect(values[values.length - 1]).toBeGreaterThan(0.999);
  });

  it('fits a non-decreasing curve even when the rates per bin are not', () => {
    const cal = new AcceptanceCalibration();
    // Low q always accepted, high q never: the raw rates decrease.
    cal.observe([stepOf([...times(50, [0.12, 'accepted']), ...times(50, [0.75, 'rejected'])])]);
    const fitted = cal.fitted();
    expectNonDecreasing(fitted);
    expectNonDecreasing(GRID.map((q) => cal.estimate(q)));
    // The two bins are pooled with everything between them into one level, which lies strictly inside (0, 1).
    expect(fitted[5]).toBeCloseTo(fitted[12], 12);
    expect(fitted[5]).toBeGreaterThan(0.05);
    expect(fitted[5]).toBeLessThan(0.95);
    // It is the weighted isotonic fit of the per-bin posterior means (Beta prior of strength s at the centre),
    // with s read off a single-bin calibration.
    const probe = new AcceptanceCalibration();
    probe.observe([stepOf(times(10, [0.97, 'accepted']))]); // the top bin: nothing above it to pool with
    const m = probe.fitted()[BINS - 1];
    const s = (10 * (1 - m)) / (m - CENTRES[BINS - 1]);
    expect(s).toBeGreaterThan(0);
    const means = CENTRES.map((c, b) => (cal.accepted[b] + s * c) / (cal.reached[b] + s));
    isotonic(
      means,
      cal.reached.map((n) => n + s),
    ).forEach((v, b) => expect(fitted[b]).toBeCloseTo(v, 9));
  });

  it('counts only examined draft nodes: unvisited nodes and the root are ignored', () => {
    const cal = new AcceptanceCalibration();
    cal.observe([stepOf([...times(30, [0.6, 'unvisited']), [0.6, 'accepted'], [0.25, 'rejected']])]);
    expect(cal.observations).toBe(2);
    expect(cal.reached.reduce((a, b) => a + b, 0)).toBe(2);
    expect(cal.accepted.reduce((a, b) => a + b, 0)).toBe(1);
    // The root (draftProb 1, decision 'accepted') is not a drafted token.
    expect(cal.reached[BINS - 1]).toBe(0);
    const unvisitedOnly = new AcceptanceCalibration();
    unvisitedOnly.observe([stepOf(times(100, [0.95, 'unvisited']))]);
    expect(unvisitedOnly.observations).toBe(0);
    expect(unvisitedOnly.fitted()).toEqual(new AcceptanceCalibration().fitted());
  });

  it('puts q on a bin edge in the upper bin and q = 1 in the last bin', () => {
    const cal = new AcceptanceCalibration();
    cal.observe([
      stepOf([
        [0.1, 'accepted'],
        [1, 'accepted'],
        [0, 'rejected'],
        [0.0999, 'rejected'],
      ]),
    ]);
    expect(cal.reached[5]).toBe(1); // [0.1, 0.15)
    expect(cal.reached[4]).toBe(1); // [0.05, 0.1)
    expect(cal.reached[BINS - 1]).toBe(1);
    expect(cal.reached[0]).toBe(1);
  });

  it('gives the same curve for the same steps, however they are fed', () => {
    const steps = [
      stepOf(
        [
          [0.3, 'accepted'],
          [0.02, 'rejected'],
          [0.5, 'unvisited'],
        ],
        0,
      ),
      stepOf(
        [
          [0.7, 'rejected'],
          [0.45, 'accepted'],
        ],
        1,
      ),
      stepOf(
        [
          [0.9, 'accepted'],
          [0.004, 'accepted'],
        ],
        2,
      ),
    ];
    const once = new AcceptanceCalibration();
    once.observe(steps);
    const oneByOne = new AcceptanceCalibration();
    for (const s of [...steps].reverse()) oneByOne.observe([s]);
    expect(oneByOne.fitted()).toEqual(once.fitted());
    expect(oneByOne.reached).toEqual(once.reached);
    expect(oneByOne.accepted).toEqual(once.accepted);
  });

  it('updates estimate() after each observe (no stale cache)', () => {
    const cal = new AcceptanceCalibration();
    const a = cal.estimate(0.55);
    cal.observe([stepOf(times(20, [0.55, 'rejected']))]);
    const b = cal.estimate(0.55);
    expect(b).toBeLessThan(a);
    cal.observe([stepOf(times(200, [0.55, 'accepted']))]);
    expect(cal.estimate(0.55)).toBeGreaterThan(b);
  });

  it('estimator() matches estimate() within 1e-3 on a fine grid and is a snapshot', () => {
    const cal = new AcceptanceCalibration();
    cal.observe([
      stepOf([
        ...times(20, [0.32, 'accepted']),
        ...times(30, [0.32, 'rejected']),
        ...times(60, [0.03, 'rejected']),
        ...times(25, [0.65, 'accepted']),
        ...times(5, [0.65, 'rejected']),
        ...times(9, [0.12, 'accepted']),
        ...times(41, [0.12, 'rejected']),
      ]),
    ]);
    expect(cal.fitted()).not.toEqual(new AcceptanceCalibration().fitted());
    const est = cal.estimator();
    for (let i = 0; i <= 5000; i++) {
      const q = i / 5000;
      expect(Math.abs(est(q) - cal.estimate(q))).toBeLessThan(1e-3);
    }
    // Out-of-range inputs are clamped, not extrapolated.
    expect(est(-0.5)).toBe(est(0));
    expect(est(1.5)).toBe(est(1));
    const frozen = GRID.map((q) => est(q));
    cal.observe([stepOf(times(500, [0.32, 'accepted']))]);
    expect(GRID.map((q) => est(q))).toEqual(frozen);
    expect(cal.estimate(0.32)).toBeGreaterThan(est(0.32) + 0.1); // the calibration itself did move
    expect(cal.estimator()(0.32)).toBeCloseTo(cal.estimate(0.32), 2);
  });

  it('estimator() equals estimate() exactly, even where the curve is steep between the narrow first bins', () => {
    const cal = new AcceptanceCalibration();
    cal.observe([
      stepOf([
        ...times(200, [0.001, 'rejected']),
        ...times(200, [0.007, 'accepted']),
        ...times(40, [0.32, 'accepted']),
        ...times(10, [0.32, 'rejected']),
      ]),
    ]);
    const est = cal.estimator();
    for (let i = 0; i <= 20000; i++) expect(est(i / 20000)).toBeCloseTo(cal.estimate(i / 20000), 12);
    expect(est(0.0025)).toBeLessThan(0.01); // the first bin saw only rejections
  });
  it("estimator().flat is the estimate's own constant segment below the first centre, per rank group", () => {
    const cal = new AcceptanceCalibration();
    // first children (rank 0, one per step) at small q are accepted; later siblings at the same q are rejected
    const firsts = Array.from({ length: 60 }, (_, i) => stepOf([[0.002, 'accepted']], i));
    cal.observe([...firsts, stepOf([[0.3, 'accepted'], ...times(90, [0.002, 'rejected'])], 60)]);
    const est = cal.estimator();
    expect(est.flat.below).toBeGreaterThan(0);
    for (const rank of [undefined, 0, 1, 5]) {
      for (let i = 0; i < 200; i++) {
        const q = (i / 200) * est.flat.below;
        expect(est.flat.value(rank)).toBeCloseTo(est(q, rank), 14);
      }
    }
    expect(est.flat.value(0)).not.toBeCloseTo(est.flat.value(1), 3); // the groups did learn apart
  });

  it('stays in [0, 1], monotone, for any observations', () => {
    const obsArb = fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom<NodeDecision>('accepted', 'rejected', 'unvisited'),
    );
    fc.assert(
      fc.property(fc.array(fc.array(obsArb, { maxLength: 40 }), { maxLength: 5 }), (steps) => {
        const cal = new AcceptanceCalibration();
        cal.observe(steps.map((s, i) => stepOf(s, i)));
        const examined = steps.flat().filter(([, d]) => d !== 'unvisited').length;
        expect(cal.observations).toBe(examined);
        const est = cal.estimator(); // called as est(q): Array.map would pass the index as the rank
        const values = [...cal.fitted(), ...GRID.map((q) => cal.estimate(q)), ...GRID.map((q) => est(q))];
        const drops = (xs: number[]) => xs.filter((x, i) => i > 0 && x < xs[i - 1] - 1e-12).length;
        expect(drops(cal.fitted())).toBe(0);
        expect(drops(GRID.map((q) => cal.estimate(q)))).toBe(0);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  it('takes custom edges and refuses edges that do not span [0, 1]', () => {
    const cal = new AcceptanceCalibration([0, 0.5, 1]);
    expect(cal.fitted()).toEqual([0.25, 0.75]);
    expect(cal.estimate(0.5)).toBeCloseTo(0.5, 12);
    cal.observe([stepOf([...times(100, [0.2, 'accepted']), ...times(100, [0.9, 'rejected'])])]);
    const [lo, hi] = cal.fitted();
    expect(lo).toBe(hi); // pooled: (100 + s/4 + 3s/4) / (200 + 2s) = 1/2 whatever the prior strength s
    expect(lo).toBeCloseTo(0.5, 12);
    expect(() => new AcceptanceCalibration([0.1, 1])).toThrow(RangeError);
    expect(() => new AcceptanceCalibration([0, 0.9])).toThrow(RangeError);
    expect(() => new AcceptanceCalibration([0])).toThrow(RangeError);
  });
});

/** Isotonic regression by its min-max formula: f_i = max_{j<=i} min_{k>=i} (weighted mean of j..k). */
function bruteIsotonic(values: readonly number[], weights: readonly number[]): number[] {
  const mean = (j: number, k: number) => {
    let s = 0;
    let w = 0;
    for (let i = j; i <= k; i++) {
      s += values[i] * weights[i];
      w += weights[i];
    }
    return s / w;
  };
  return values.map((_, i) => {
    let best = -Infinity;
    for (let j = 0; j <= i; j++) {
      let inner = Infinity;
      for (let k = i; k < values.length; k++) inner = Math.min(inner, mean(j, k));
      best = Math.max(best, inner);
    }
    return best;
  });
}

describe('AcceptanceCalibration by sibling rank', () => {
  it('learns first children and later siblings apart, and pools them without a rank', () => {
    const cal = new AcceptanceCalibration();
    // At the same q, every first child is accepted and every later sibling rejected.
    for (let s = 0; s < 100; s++) {
      cal.observe([
        stepOf(
          [
            [0.32, 'accepted'],
            [0.32, 'rejected'],
            [0.32, 'rejected'],
          ],
          s,
        ),
      ]);
    }
    expect(cal.estimate(0.35, 0)).toBeGreaterThan(0.9);
    expect(cal.estimate(0.35, 1)).toBeLessThan(0.1);
    expect(cal.estimate(0.35, 2)).toBeLessThan(0.1);
    expect(cal.estimate(0.35, 5)).toBe(cal.estimate(0.35, 2)); // every rank from 2 on shares one group
    expect(cal.estimate(0.35)).toBeCloseTo(1 / 3, 1);
    const est = cal.estimator();
    for (const q of GRID) {
      for (const rank of [undefined, 0, 1, 2]) expect(est(q, rank)).toBeCloseTo(cal.estimate(q, rank), 12);
    }
    expectNonDecreasing(cal.fitted(0));
    expectNonDecreasing(cal.fitted(1));
    expectNonDecreasing(cal.fitted(2));
  });

  it('learns second children and later siblings apart (each rejection shrinks what is left to accept)', () => {
    const cal = new AcceptanceCalibration();
    // second children accepted half the time; when one is rejected, a third child is drawn, accepted one time in 5
    const steps = Array.from({ length: 120 }, (_, s) => {
      const siblings: [number, NodeDecision][] = [
        [0.25, 'rejected'],
        [0.25, s % 2 === 0 ? 'accepted' : 'rejected'],
      ];
      if (s % 2 === 1) siblings.push([0.25, s % 10 === 1 ? 'accepted' : 'rejected']);
      return stepOf(siblings, s);
    });
    cal.observe(steps);
    // read at the bin's centre (0.25), where the curve is the bin's own fitted value
    expect(cal.estimate(0.25, 1)).toBeCloseTo(0.5, 1);
    expect(cal.estimate(0.25, 2)).toBeCloseTo(0.2, 1);
    expect(cal.estimate(0.25, 0)).toBeLessThan(0.1);
  });

  it('a rank group without data follows the pooled curve (later siblings: the second children’s)', () => {
    const cal = new AcceptanceCalibration();
    for (let s = 0; s < 50; s++) cal.observe([stepOf([[0.12, 'accepted']], s)]); // first children only
    expect(cal.estimate(0.12)).toBeGreaterThan(0.7);
    for (const q of GRID) expect(cal.estimate(q, 1)).toBeCloseTo(cal.estimate(q), 12);
    for (const q of GRID) expect(cal.estimate(q, 2)).toBeCloseTo(cal.estimate(q), 12);
    const second = new AcceptanceCalibration();
    const rejectedSeconds: [number, NodeDecision][] = [
      [0.12, 'accepted'],
      [0.12, 'rejected'],
    ];
    for (let s = 0; s < 50; s++) second.observe([stepOf(rejectedSeconds, s)]); // no third children
    expect(second.estimate(0.12, 1)).toBeLessThan(0.1);
    for (const q of GRID) expect(second.estimate(q, 3)).toBeCloseTo(second.estimate(q, 1), 12);
  });
});

describe('isotonic', () => {
  it('solves known examples', () => {
    expect(isotonic([], [])).toEqual([]);
    expect(isotonic([0.3], [5])).toEqual([0.3]);
    expect(isotonic([1, 2, 3], [1, 1, 1])).toEqual([1, 2, 3]);
    expect(isotonic([1, 3, 2, 4], [1, 1, 1, 1])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonic([3, 2, 1], [1, 1, 1])).toEqual([2, 2, 2]);
    expect(isotonic([3, 1], [1, 3])).toEqual([1.5, 1.5]);
    // A late violation pools back through an earlier block.
    expect(isotonic([1, 4, 5, 0], [1, 1, 1, 1])).toEqual([1, 3, 3, 3]);
  });

  it('equals the brute-force min-max solution', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true })), {
          minLength: 1,
          maxLength: 9,
        }),
        (pairs) => {
          const values = pairs.map(([v]) => v);
          const weights = pairs.map(([, w]) => w);
          const fit = isotonic(values, weights);
          const brute = bruteIsotonic(values, weights);
          expect(fit).toHaveLength(values.length);
          fit.forEach((v, i) => expect(v).toBeCloseTo(brute[i], 9));
          expectNonDecreasing(fit, 1e-12);
          // Weighted mass is preserved.
          const mass = (xs: number[]) => xs.reduce((s, x, i) => s + x * weights[i], 0);
          expect(mass(fit)).toBeCloseTo(mass(values), 9);
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });
});

describe('CalibrationsBySetting', () => {
  const hot = { temperature: 0.8, topP: 1, topK: 0 };
  /** The calibration of a strategy that has one (every dyspec-cal strategy). */
  const calOf = (store: CalibrationsBySetting, text: string, params: SamplingParams): AcceptanceCalibration => {
    const cal = store.forRun(parseStrategy(text), params);
    if (!cal) throw new Error(`${text} carries no calibration`);
    return cal;
  };

  it('keeps one calibration per sampling setting, greedy ignoring top-p and top-k', () => {
    const store = new CalibrationsBySetting();
    const a = calOf(store, 'dyspec-cal:4', hot);
    a.observe([stepOf([[0.5, 'accepted']])]);
    expect(calOf(store, 'dyspec-cal:4', { ...hot })).toBe(a); // same setting: what was learned is kept
    expect(calOf(store, 'dyspec-cal:4', hot).observations).toBe(1);
    expect(calOf(store, 'dyspec-cal:4', { ...hot, topP: 0.9 })).not.toBe(a);
    expect(calOf(store, 'dyspec-cal:4', { ...hot, temperature: 1 })).not.toBe(a);
    expect(calOf(store, 'dyspec-cal:4', { ...hot, topK: 5 }).observations).toBe(0);
    const greedy = calOf(store, 'dyspec-cal:4', { temperature: 0, topP: 1, topK: 0 });
    expect(greedy).not.toBe(a);
    expect(calOf(store, 'dyspec-cal:4', { temperature: 0, topP: 0.5, topK: 3 })).toBe(greedy);
  });

  it('carries a calibration for dyspec-cal runs only: the only trees that read one', () => {
    const store = new CalibrationsBySetting();
    for (const text of ['ar', 'chain:2', 'tree:2x2', 'dyspec:4', 'dyspec:auto', 'sequoia:8', 'sequoia:auto'])
      expect(store.forRun(parseStrategy(text), hot)).toBe(undefined);
    expect(store.forRun(parseStrategy('dyspec-cal:4'), hot)).toBeInstanceOf(AcceptanceCalibration);
    expect(store.forRun(parseStrategy('dyspec-cal:auto'), hot)).toBeInstanceOf(AcceptanceCalibration);
  });

  it('keeps each strategy apart: what one learned never reaches another, whatever order they ran in', () => {
    const store = new CalibrationsBySetting();
    const four = calOf(store, 'dyspec-cal:4', hot);
    four.observe([stepOf([[0.5, 'accepted']])]);
    const auto = calOf(store, 'dyspec-cal:auto', hot);
    const eight = calOf(store, 'dyspec-cal:8', hot);
    expect(new Set([four, auto, eight]).size).toBe(3);
    expect(auto.observations).toBe(0);
    expect(eight.observations).toBe(0);
    expect(calOf(store, 'dyspec-cal:auto', hot)).toBe(auto); // the same strategy text: kept across runs
    expect(calOf(store, ' DySpec-Cal:4 ', hot)).toBe(four); // keyed by the canonical text
  });

  it('keeps draft sources apart: a table draft learns its own curve', () => {
    const store = new CalibrationsBySetting();
    const model = calOf(store, 'dyspec-cal:4', hot);
    const table = calOf(store, 'dyspec-cal:4@context+corpus', hot);
    expect(table).not.toBe(model);
    expect(calOf(store, 'dyspec-cal:4@corpus+context', hot)).toBe(table); // sources in canonical order
    expect(calOf(store, 'dyspec-cal:4@model', hot)).toBe(model); // @model is the default
    expect(calOf(store, 'dyspec-cal:4@context+model', hot)).not.toBe(model);
    expect(calOf(store, 'dyspec-cal:4@context+model', hot)).not.toBe(table);
  });
});
