import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../../src/core/exp';
import { logitsToDistribution } from '../../src/core/sampling';

const relativeError = (x: number) => Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x);

describe('expNonPositive', () => {
  it('matches Math.exp to 1e-8 relative over the whole non-positive range', () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) worst = Math.max(worst, relativeError(-(i / 200_000) * 700));
    expect(worst).toBeLessThan(1e-8);
    fc.assert(
      fc.property(fc.double({ min: -700, max: 0, noNaN: true }), (x) => relativeError(x) < 1e-8),
      { numRuns: 5000 },
    );
  });

  it('is exact at 0, underflows to 0 past float64 and keeps NaN', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-746)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(NaN)).toBeNaN();
    expect(expNonPositive(-740)).toBeGreaterThan(0); // subnormal, as Math.exp(-740)
  });
});

describe('softmax with expNonPositive', () => {
  it('gives the Math.exp softmax up to float32 rounding, on real-sized rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: 2, maxLength: 4096 }),
        fc.constantFrom(0.3, 0.8, 1, 1.7),
        (row, temperature) => {
          const logits = Float32Array.from(row);
          const dist = logitsToDistribution(logits, { temperature, topP: 1, topK: 0 }, logits.length);
          const max = Math.max(...logits);
          const z = Array.from(logits, (l) => Math.exp((l - max) / temperature));
          const total = z.reduce((a, b) => a + b, 0);
          // 2 ulp relative, or 2 steps of float32's subnormal spacing (2^-149) for p < 1.2e-38, where the
          // unnormalised exponent is already rounded once when stored
          return z.every((v, i) => Math.abs(dist[i] - v / total) <= 2.5e-7 * (v / total) + 2 * 2 ** -149);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a row with no finite maximum instead of returning NaN', () => {
    const params = { temperature: 1, topP: 1, topK: 0 };
    expect(() => logitsToDistribution(Float32Array.from([NaN, NaN]), params, 2)).toThrow(/non-finite logits/);
    expect(() => logitsToDistribution(Float32Array.from([0, Infinity]), params, 2)).toThrow(/non-finite logits/);
    expect(() => logitsToDistribution(Float32Array.from([-Infinity, -Infinity]), params, 2)).toThrow(/non-finite/);
  });
});
