import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSettingError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import {
  argmax,
  logitsToDistribution,
  sampleIndex,
  sampleWithoutReplacement,
  validateSamplingParams,
  withoutToken,
  type SamplingParams,
} from '../../src/core/sampling';
import { chiSquareTest, SIGNIFICANCE } from '../helpers/exact-law';

const params = (p: Partial<SamplingParams>): SamplingParams => ({ temperature: 1, topP: 1, topK: 0, ...p });
const logitsOf = (probs: number[]) => Float32Array.from(probs, Math.log);
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
const support = (xs: ArrayLike<number>) => Array.from(xs, (x, i) => (x > 0 ? i : -1)).filter((i) => i >= 0);

describe('logitsToDistribution', () => {
  it('is one-hot on the argmax at temperature 0, ties to the lowest id', () => {
    expect(Array.from(logitsToDistribution(Float32Array.from([1, 3, 3, 2]), params({ temperature: 0 }), 4))).toEqual([
      0, 1, 0, 0,
    ]);
    expect(argmax([5, 5, 1])).toBe(0);
  });

  it('is the softmax of logits / temperature', () => {
    const logits = Float32Array.from([0.5, -1, 2, 0]);
    for (const t of [0.5, 1, 2]) {
      const z = Array.from(logits, (l) => Math.exp(l / t));
      const expected = z.map((v) => v / sum(z));
      const dist = logitsToDistribution(logits, params({ temperature: t }), 4);
      dist.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
    }
  });

  it('reads one row at an offset and ignores padding rows past the vocabulary', () => {
    const rows = Float32Array.from([9, 9, 9, 0, 0, 2, 100, 100]); // row 1 = [0, 0, 2] + 2 padding rows
    const dist = logitsToDistribution(rows, params({ temperature: 0 }), 3, 3);
    expect(Array.from(dist)).toEqual([0, 0, 1]);
    expect(sum(logitsToDistribution(rows, params({}), 3, 3))).toBeCloseTo(1, 6);
  });

  it('keeps exactly the k most likely tokens under top-k', () => {
    const logits = logitsOf([0.1, 0.4, 0.2, 0.3]);
    expect(support(logitsToDistribution(logits, params({ topK: 2 }), 4))).toEqual([1, 3]);
    const one = logitsToDistribution(logits, params({ topK: 1 }), 4);
    expect(Array.from(one)).toEqual([0, 1, 0, 0]);
    const off = logitsToDistribution(logits, params({ topK: 10 }), 4);
    expect(off[0]).toBeCloseTo(0.1, 6);
    const d = logitsToDistribution(logits, params({ topK: 2 }), 4);
    expect(d[1]).toBeCloseTo(0.4 / 0.7, 6);
    expect(d[3]).toBeCloseTo(0.3 / 0.7, 6);
  });

  it('keeps the smallest most likely set reaching top-p, at least one token', () => {
    const logits = logitsOf([0.1, 0.45, 0.15, 0.3]);
    expect(support(logitsToDistribution(logits, params({ topP: 0.7 }), 4))).toEqual([1, 3]);
    expect(support(logitsToDistribution(logits, params({ topP: 0.8 }), 4))).toEqual([1, 2, 3]);
    expect(support(logitsToDistribution(logits, params({ topP: 0.01 }), 4))).toEqual([1]);
    expect(support(logitsToDistribution(logits, params({ topP: 1 }), 4))).toEqual([0, 1, 2, 3]);
    const d = logitsToDistribution(logits, params({ topP: 0.7 }), 4);
    expect(d[1]).toBeCloseTo(0.45 / 0.75, 6);
  });

  it('applies top-p to the renormalised top-k survivors (Hugging Face order)', () => {
    // top-k = 2 leaves [0.4, 0.3] -> [0.571, 0.429]; top-p 0.5 then keeps the first alone.
    const logits = logitsOf([0.4, 0.3, 0.3]);
    expect(support(logitsToDistribution(logits, params({ topK: 2, topP: 0.5 }), 3))).toEqual([0]);
    expect(support(logitsToDistribution(logits, params({ topK: 2, topP: 0.6 }), 3))).toEqual([0, 1]);
  });

  it('always returns a distribution (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(0, 0.3, 1, 4),
        fc.constantFrom(0.05, 0.5, 0.9, 1),
        fc.nat({ max: 5 }),
        (raw, temperature, topP, topK) => {
          const dist = logitsToDistribution(Float32Array.from(raw), { temperature, topP, topK }, raw.length);
          expect(sum(dist)).toBeCloseTo(1, 5);
          expect(dist.every((p) => p >= 0)).toBe(true);
          if (topK > 0) expect(support(dist).length).toBeLessThanOrEqual(topK);
        },
      ),
      { seed: 1, numRuns: 200 },
    );
  });
});

describe('validateSamplingParams', () => {
  it.each([
    [{ temperature: -0.1 }, 'temperature', '-0.1'],
    [{ temperature: NaN }, 'temperature', 'NaN'],
    [{ topP: 0 }, 'topP', '0'],
    [{ topP: 1.2 }, 'topP', '1.2'],
    [{ topK: 1.5 }, 'topK', '1.5'],
    [{ topK: -1 }, 'topK', '-1'],
  ])('rejects %j naming %s', (bad, setting, value) => {
    const run = () => validateSamplingParams(params(bad));
    expect(run).toThrow(InvalidSettingError);
    expect(run).toThrow(value);
    try {
      run();
    } catch (error) {
      expect((error as InvalidSettingError).setting).toBe(setting);
    }
  });

  it('accepts greedy and ordinary settings', () => {
    expect(() => validateSamplingParams(params({ temperature: 0 }))).not.toThrow();
    expect(() => validateSamplingParams(params({ temperature: 0.7, topP: 0.9, topK: 40 }))).not.toThrow();
  });
});

describe('sampleIndex', () => {
  it('follows the distribution and never picks a zero', () => {
    const dist = Float32Array.from([0.5, 0, 0.2, 0.3, 0]);
    const rng = new Rng(5);
    const counts = new Float64Array(5);
    for (let i = 0; i < 50_000; i++) counts[sampleIndex(dist, rng)]++;
    expect(counts[1] + counts[4]).toBe(0);
    expect(chiSquareTest(counts, dist).pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it('throws on a distribution without mass', () => {
    expect(() => sampleIndex(new Float32Array(3), new Rng(1))).toThrow(/no mass/);
  });
});

describe('sampling without replacement', () => {
  it('withoutToken zeroes and renormalises, null when nothing is left', () => {
    expect(Array.from(withoutToken(Float32Array.from([0.5, 0.25, 0.25]), 0) ?? [])).toEqual([0, 0.5, 0.5]);
    expect(withoutToken(Float32Array.from([0, 1, 0]), 1)).toBeNull();
  });

  it('draws distinct tokens, each with the residual it was drawn from', () => {
    const dist = Float32Array.from([0.1, 0.4, 0.2, 0.3]);
    const draws = sampleWithoutReplacement(dist, 3, new Rng(3), false);
    expect(new Set(draws.map((d) => d.token)).size).toBe(3);
    expect(draws[0].from).toBe(dist);
    let expected: Float32Array = dist;
    for (const { token, from } of draws) {
      expect(Array.from(from)).toEqual(Array.from(expected));
      expected = withoutToken(expected, token) as Float32Array;
    }
  });

  it('is top-k in order when greedy, and stops at the support', () => {
    const dist = Float32Array.from([0.1, 0.4, 0, 0.5]);
    expect(sampleWithoutReplacement(dist, 2, new Rng(1), true).map((d) => d.token)).toEqual([3, 1]);
    expect(sampleWithoutReplacement(dist, 10, new Rng(1), true).map((d) => d.token)).toEqual([3, 1, 0]);
    expect(sampleWithoutReplacement(dist, 10, new Rng(1), false)).toHaveLength(3);
    expect(sampleWithoutReplacement(dist, 0, new Rng(1), false)).toHaveLength(0);
  });

  it('draws ordered pairs with probability q(a) q(b) / (1 - q(a))', () => {
    const q = [0.1, 0.4, 0.2, 0.3];
    const rng = new Rng(11);
    const counts = new Float64Array(16);
    for (let i = 0; i < 60_000; i++) {
      const [a, b] = sampleWithoutReplacement(Float32Array.from(q), 2, rng, false);
      counts[a.token * 4 + b.token]++;
    }
    const law = Array.from({ length: 16 }, (_, i) => {
      const [a, b] = [Math.floor(i / 4), i % 4];
      return a === b ? 0 : (q[a] * q[b]) / (1 - q[a]);
    });
    expect(chiSquareTest(counts, law).pValue).toBeGreaterThan(SIGNIFICANCE);
  });
});
