import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MaxHeap } from '../../src/core/heap';

interface Item {
  key: number;
  seq: number;
}
const keyThenFifo = (a: Item, b: Item): boolean => a.key > b.key || (a.key === b.key && a.seq < b.seq);

describe('MaxHeap', () => {
  it('pops in the order of its comparison, ties included, for any interleaving of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), { maxLength: 200 }), (ops) => {
        const heap = new MaxHeap<Item>(keyThenFifo);
        const model: Item[] = [];
        let seq = 0;
        for (const op of ops) {
          if (op === null) {
            model.sort((a, b) => b.key - a.key || a.seq - b.seq);
            expect(heap.pop()).toEqual(model.shift());
          } else {
            const item = { key: op, seq: seq++ };
            heap.push(item);
            model.push(item);
          }
          expect(heap.size).toBe(model.length);
        }
        model.sort((a, b) => b.key - a.key || a.seq - b.seq);
        expect(heap.top(model.length)).toEqual(model);
        expect(heap.size).toBe(model.length); // top() leaves the heap alone
        for (const item of model) {
          expect(heap.peek()).toEqual(item);
          expect(heap.pop()).toEqual(item);
        }
      }),
    );
  });

  it('top(k) is the first k of a full sort of what it holds: ties in key broken by the comparison, any k', () => {
    // The reference is a full stable sort of the model under the same comparison (what the old sorted() returned);
    // many equal keys, and pops between pushes, so the heap's array is far from sorted when top() walks it.
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ push: fc.integer({ min: 0, max: 3 }) }) },
      { weight: 1, arbitrary: fc.constant({ pop: true as const }) },
      { weight: 2, arbitrary: fc.record({ top: fc.nat({ max: 60 }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 250 }), (ops) => {
        const heap = new MaxHeap<Item>(keyThenFifo);
        const model: Item[] = [];
        let seq = 0;
        for (const o of ops) {
          if ('push' in o) {
            const item = { key: o.push, seq: seq++ };
            heap.push(item);
            model.push(item);
          } else if ('pop' in o) {
            model.sort((a, b) => (keyThenFifo(a, b) ? -1 : keyThenFifo(b, a) ? 1 : 0));
            expect(heap.pop()).toBe(model.shift());
          } else {
            const sorted = model.slice().sort((a, b) => (keyThenFifo(a, b) ? -1 : keyThenFifo(b, a) ? 1 : 0));
            const top = heap.top(o.top);
            expect(top).toHaveLength(Math.min(o.top, model.length));
            top.forEach((item, i) => expect(item).toBe(sorted[i])); // the same objects, in the same order
            expect(heap.size).toBe(model.length);
          }
        }
      }),
    );
  });

  it('top(k) under a comparison with real ties: a prefix of one fixed order, keys descending', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 80 }), fc.nat({ max: 90 }), (keys, k) => {
        const heap = new MaxHeap<Item>((a, b) => a.key > b.key); // equal keys are incomparable
        const items = keys.map((key, seq) => ({ key, seq }));
        items.forEach((item) => heap.push(item));
        const all = heap.top(items.length);
        expect(new Set(all)).toEqual(new Set(items)); // every item once
        expect(all.map((i) => i.key)).toEqual(keys.slice().sort((a, b) => b - a));
        expect(heap.top(k)).toEqual(all.slice(0, k)); // the same order whatever k
      }),
    );
  });

  it('top(k) rejects a k that is not an integer >= 0', () => {
    const heap = new MaxHeap<number>((a, b) => a > b);
    heap.push(1);
    expect(heap.top(0)).toEqual([]);
    expect(() => heap.top(-1)).toThrow(RangeError);
    expect(() => heap.top(1.5)).toThrow(/integer k >= 0/);
  });

  it('is empty at first and after draining', () => {
    const heap = new MaxHeap<number>((a, b) => a > b);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    expect(heap.top(3)).toEqual([]);
    [3, 1, 4, 1, 5, 9, 2, 6].forEach((x) => heap.push(x));
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop() as number);
    expect(out).toEqual([9, 6, 5, 4, 3, 2, 1, 1]);
    expect(heap.pop()).toBeUndefined();
  });
});
