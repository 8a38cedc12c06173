/**
 * The table drafts' indices against brute force: the context scan and the corpus suffix array must find exactly the
 * continuations a direct count finds, and the interpolated distribution must be a distribution with the stated
 * Witten-Bell weights.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableDistribution, type Continuations } from '../../src/core/ngram/continuations';
import { ContextIndex } from '../../src/core/ngram/context-index';
import { decodeDatastore, DatastoreFormatError, encodeDatastore } from '../../src/core/ngram/datastore-file';
import { SuffixIndex } from '../../src/core/ngram/suffix-index';

/** Counts of the tokens after every occurrence of the last k tokens of `query` in `text`, for k = 1.. (brute force). */
function bruteForce(text: readonly number[], query: readonly number[], maxOrder: number): Map<number, number>[] {
  const out: Map<number, number>[] = [];
  for (let k = 1; k <= Math.min(maxOrder, query.length); k++) {
    const counts = new Map<number, number>();
    for (let j = k; j < text.length; j++) {
      let same = true;
      for (let i = 0; i < k && same; i++) same = text[j - k + i] === query[query.length - k + i];
      if (same) counts.set(text[j], (counts.get(text[j]) ?? 0) + 1);
    }
    if (counts.size === 0) break;
    out.push(counts);
  }
  return out;
}

function asMaps(found: Continuations[]): Map<number, number>[] {
  return found.map(({ tokens, counts }) => new Map(tokens.map((t, i) => [t, counts[i]])));
}

const textArb = fc.record({
  vocab: fc.integer({ min: 2, max: 6 }),
  text: fc.array(fc.nat(), { minLength: 0, maxLength: 32 }),
  query: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
  maxOrder: fc.integer({ min: 1, max: 6 }),
});

describe('ContextIndex (prompt lookup)', () => {
  it('finds exactly the continuations of every order that brute force finds', () => {
    fc.assert(
      fc.property(textArb, ({ vocab, text, query, maxOrder }) => {
        const t = text.map((x) => x % vocab);
        const q = query.map((x) => x % vocab);
        expect(asMaps(new ContextIndex(t, t.length, maxOrder).match(q))).toEqual(bruteForce(t, q, maxOrder));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('reads only the first `length` tokens', () => {
    const text = [1, 2, 3, 1, 2, 4];
    expect(asMaps(new ContextIndex(text, 3).match([1, 2]))).toEqual([new Map([[3, 1]]), new Map([[3, 1]])]);
  });
});

describe('SuffixIndex (corpus datastore)', () => {
  it('finds exactly the continuations brute force finds (texts within the sample limit)', () => {
    fc.assert(
      fc.property(textArb, ({ vocab, text, query, maxOrder }) => {
        const t = text.map((x) => x % vocab);
        const q = query.map((x) => x % vocab);
        expect(asMaps(SuffixIndex.build(t, maxOrder).match(q))).toEqual(bruteForce(t, q, maxOrder));
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('in a range too large to read whole, estimates the counts from a sample and keeps the total in full', () => {
    // 10,000 occurrences of 7, followed by 1 (60%), 2 (30%) and 3 (10%).
    const text: number[] = [];
    for (let i = 0; i < 10_000; i++) text.push(7, i % 10 < 6 ? 1 : i % 10 < 9 ? 2 : 3);
    const [first] = SuffixIndex.build(text, 3).match([7]);
    const counts = new Map(first.tokens.map((t, i) => [t, first.counts[i]]));
    expect(first.total).toBe(10_000);
    expect(first.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(10_000, 6);
    expect(counts.get(1)! / 10_000).toBeGreaterThan(0.45);
    expect(counts.get(1)! / 10_000).toBeLessThan(0.75);
    expect(counts.get(2)! / 10_000).toBeGreaterThan(0.15);
    expect(counts.get(2)! / 10_000).toBeLessThan(0.45);
  });

  it('reports build progress after every radix pass, ending at 1', () => {
    const seen: number[] = [];
    SuffixIndex.build([1, 2, 3, 1, 2], 4, (f) => seen.push(f));
    expect(seen).toHaveLength(4); // one pass per key position (maxOrder)
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1])).toBe(true);
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('refuses negative token ids', () => {
    expect(() => SuffixIndex.build([1, -1])).toThrow(/corpus token 1 is -1/);
  });
});

describe('tableDistribution', () => {
  it('is a distribution and matches the Witten-Bell recursion on a hand example', () => {
    // Context "a b": order 1 ("b") is followed by c twice and d once; order 2 ("a b") by c once.
    const [a, b, c, d] = [0, 1, 2, 3];
    const text = [a, b, c, b, c, b, d];
    const index = new ContextIndex(text);
    const { dist, matchOrder } = tableDistribution(index, [a, b], 4);
    expect(matchOrder).toBe(2);
    const unigram = [1 / 7, 3 / 7, 2 / 7, 1 / 7];
    const q1 = unigram.map((u, x) => ((x === c ? 2 : x === d ? 1 : 0) + 2 * u) / (3 + 2));
    const q2 = q1.map((u, x) => ((x === c ? 1 : 0) + 1 * u) / (1 + 1));
    q2.forEach((p, x) => expect(dist[x]).toBeCloseTo(p, 6));
    expect(dist.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
  });

  it('falls back to the unigram when nothing matches, and to uniform over an empty text', () => {
    const { dist, matchOrder } = tableDistribution(new ContextIndex([1, 1, 2]), [3], 4);
    expect(matchOrder).toBe(0);
    expect([...dist]).toEqual([0, 2 / 3, 1 / 3, 0].map(Math.fround));
    expect([...tableDistribution(new ContextIndex([]), [3], 4).dist]).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('sums to 1 for random texts and queries', () => {
    fc.assert(
      fc.property(textArb, ({ vocab, text, query, maxOrder }) => {
        const t = text.map((x) => x % vocab);
        const { dist } = tableDistribution(
          SuffixIndex.build(t, maxOrder),
          query.map((x) => x % vocab),
          vocab,
        );
        expect(dist.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
        expect(dist.every((p) => p >= 0)).toBe(true);
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});

describe('datastore file', () => {
  it('round-trips 2-byte and 4-byte tokens', () => {
    expect([...decodeDatastore(encodeDatastore([0, 5, 65535]))]).toEqual([0, 5, 65535]);
    const wide = encodeDatastore([70_000, 1]);
    expect(wide[5]).toBe(4);
    expect([...decodeDatastore(wide)]).toEqual([70_000, 1]);
  });

  it('names what is wrong with a bad file', () => {
    expect(() => decodeDatastore(new TextEncoder().encode('hello world!'))).toThrow(DatastoreFormatError);
    expect(() => decodeDatastore(new TextEncoder().encode('hello world!'))).toThrow(/not a datastore file/);
    const truncated = encodeDatastore([1, 2, 3]).slice(0, -1);
    expect(() => decodeDatastore(truncated)).toThrow(/expected 18 for 3 tokens \(truncated\?\)/);
    const future = encodeDatastore([1]);
    future[4] = 9;
    expect(() => decodeDatastore(future)).toThrow(/version 9 is not supported/);
  });
});
