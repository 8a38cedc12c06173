import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { chiSquareTest, SIGNIFICANCE } from '../helpers/exact-law';

const take = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next());

describe('Rng', () => {
  it('is xoshiro128** (known answers from state [1, 2, 3, 4])', () => {
    const rng = new Rng(0);
    Object.assign(rng, { s0: 1, s1: 2, s2: 3, s3: 4 });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      11520, 0, 5927040, 70819200,
    ]);
  });

  it('keeps the streams of given seeds (traces replay with the same numbers)', () => {
    const rng = new Rng(42);
    expect([rng.nextUint32(), rng.nextUint32(), rng.fork().nextUint32()]).toEqual([2837322924, 544945897, 1824290023]);
    expect(new Rng(0).nextUint32()).toBe(3809008728);
  });

  it('gives the same stream for the same seed and unrelated streams for nearby seeds', () => {
    expect(take(new Rng(42), 50)).toEqual(take(new Rng(42), 50));
    const a = take(new Rng(0), 50);
    const b = take(new Rng(1), 50);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
    expect(take(new Rng(2 ** 40 + 3), 5)).not.toEqual(take(new Rng(3), 5));
  });

  it('rejects a seed that is not finite', () => {
    expect(() => new Rng(NaN)).toThrow(RangeError);
    expect(() => new Rng(Infinity)).toThrow(/finite/);
  });

  it('forks deterministically into a stream that differs from the parent', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const fa = a.fork();
    const fb = b.fork();
    expect(take(fa, 20)).toEqual(take(fb, 20));
    expect(take(a, 20)).toEqual(take(b, 20));
    const c = new Rng(7);
    const child = c.fork();
    expect(take(child, 20)).not.toEqual(take(c, 20));
  });

  it('draws uniform floats in [0, 1)', () => {
    const rng = new Rng(123);
    const bins = new Float64Array(32);
    let sum = 0;
    let outside = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      bins[Math.floor(u * 32)]++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(chiSquareTest(bins, new Float64Array(32).fill(1 / 32)).pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
  });

  it('sets every bit of nextUint32 about half the time', () => {
    const rng = new Rng(9);
    const ones = new Array<number>(32).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = rng.nextUint32();
      if (!(Number.isInteger(x) && x >= 0 && x < 2 ** 32)) throw new Error(`not a uint32: ${x}`);
      for (let b = 0; b < 32; b++) ones[b] += (x >>> b) & 1;
    }
    // 6 standard deviations of a fair coin over n draws.
    for (const count of ones) expect(Math.abs(count - n / 2)).toBeLessThan(6 * Math.sqrt(n / 4));
  });
});
