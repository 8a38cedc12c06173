import { describe, expect, it } from 'vitest';
import { measureLatency, median, nonDecreasing } from '../../src/cli/latency';
import { TableLm } from '../helpers/table-lm';

describe('latency profile', () => {
  it('median and the non-decreasing fit', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(nonDecreasing([1, 3, 2, 4])).toEqual([1, 2.5, 2.5, 4]);
    expect(nonDecreasing([5, 1, 1, 9])).toEqual([7 / 3, 7 / 3, 7 / 3, 9]);
    expect(nonDecreasing([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('times every size after `past` cached rows with a valid causal mask and leaves the cache empty', async () => {
    // TableLm checks every row's visible context is exactly one causal path, so a wrong mask or rollback throws.
    const model = new TableLm({ vocab: 16, order: 2, seed: 1 });
    let clock = 0;
    const profile = await measureLatency(model, {
      sizes: [1, 2, 4],
      past: 5,
      repeats: 3,
      vocab: 16,
      now: () => (clock += 1),
    });
    expect(profile.sizes).toEqual([1, 2, 4]);
    expect(profile.ms).toEqual([1, 1, 1]); // each timed call spans one tick of the fake clock
    expect(model.calls).toBe(1 + 4 * 3 * 2); // prefill + (warm-up + 3 repeats) x 3 sizes x (untimed + timed)
    expect(model.pastLength).toBe(0);
    await expect(measureLatency(model, { sizes: [4090], past: 10, repeats: 1, vocab: 16 })).rejects.toThrow(
      /positions/,
    );
  });
});
