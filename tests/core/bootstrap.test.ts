import { describe, expect, it } from 'vitest';
import {
  bootstrapResamples,
  percentileInterval,
  pickedRate,
  ratioInterval,
  type PromptRun,
} from '../../src/core/bootstrap';
import { Rng } from '../../src/core/rng';

describe('paired bootstrap over prompts', () => {
  it('draws every index in range, deterministically from the seed', () => {
    const a = bootstrapResamples(7, 300, 5);
    expect(a).toHaveLength(300);
    for (const pick of a) for (const i of pick) expect(i >= 0 && i < 7).toBe(true);
    expect(bootstrapResamples(7, 300, 5)).toEqual(a);
    expect(bootstrapResamples(7, 300, 6)).not.toEqual(a);
    const seen = new Set(a.flatMap((p) => [...p]));
    expect(seen.size).toBe(7); // every unit drawn somewhere
    expect(() => bootstrapResamples(0, 10, 1)).toThrow(RangeError);
  });

  it('percentile intervals match the type-7 quantile', () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, shuffled order
    const [p5, p95] = percentileInterval(values, 0.9);
    expect(p5).toBeCloseTo(5, 9);
    expect(p95).toBeCloseTo(95, 9);
    expect(percentileInterval([3])).toEqual([3, 3]);
    const [lo, hi] = percentileInterval([0, 1], 0.5);
    expect(lo).toBeCloseTo(0.25, 12);
    expect(hi).toBeCloseTo(0.75, 12);
    expect(percentileInterval([NaN, NaN])).toEqual([NaN, NaN]);
  });

  it('rates count a prompt drawn twice twice', () => {
    const runs: PromptRun[] = [
      { tokens: 10, wallMs: 5 },
      { tokens: 30, wallMs: 5 },
    ];
    expect(pickedRate(runs, [0, 1])).toBe(4);
    expect(pickedRate(runs, [1, 1])).toBe(6);
  });

  it('a constant per-prompt speedup has a zero-width interval; prompt difficulty shared by a pair cancels', () => {
    const rng = new Rng(3);
    const base: PromptRun[] = Array.from({ length: 12 }, () => ({ tokens: 64, wallMs: 100 + 400 * rng.next() }));
    const faster = base.map((r) => ({ tokens: r.tokens, wallMs: r.wallMs / 1.25 }));
    const resamples = bootstrapResamples(base.length, 500, 1);
    const [lo, hi] = ratioInterval(faster, base, resamples);
    expect(lo).toBeCloseTo(1.25, 12);
    expect(hi).toBeCloseTo(1.25, 12);
  });

  it('covers the true speedup about 95% of the time under timing noise', () => {
    // 12 prompts of varied length, each timed once with 10% noise; the true speedup is 1.1.
    const rng = new Rng(11);
    const noisy = (ms: number) => ms * (1 + 0.1 * (rng.next() + rng.next() + rng.next() - 1.5) * 2);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const work = Array.from({ length: 12 }, () => 100 + 400 * rng.next());
      const base = work.map((w) => ({ tokens: 64, wallMs: noisy(w) }));
      const spec = work.map((w) => ({ tokens: 64, wallMs: noisy(w / 1.1) }));
      const [lo, hi] = ratioInterval(spec, base, bootstrapResamples(12, 400, t));
      if (lo <= 1.1 && 1.1 <= hi) covered++;
    }
    // Percentile intervals on 12 units run a little narrow; a badly wrong interval would be far off 0.95.
    expect(covered / trials).toBeGreaterThan(0.85);
    expect(covered / trials).toBeLessThan(0.995); // and not vacuously wide
  });

  it('rejects unpaired runs', () => {
    expect(() => ratioInterval([{ tokens: 1, wallMs: 1 }], [], bootstrapResamples(1, 2, 1))).toThrow(/paired/);
  });
});
