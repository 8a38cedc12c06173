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
        expect(heap.sorted()).toEqual(model);
        expect(heap.size).toBe(model.length); // sorted() leaves the heap alone
        for (const item of model) {
          expect(heap.peek()).toEqual(item);
          expect(heap.pop()).toEqual(item);
        }
      }),
    );
  });

  it('is empty at first and after draining', () => {
    const heap = new MaxHeap<number>((a, b) => a > b);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    [3, 1, 4, 1, 5, 9, 2, 6].forEach((x) => heap.push(x));
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop() as number);
    expect(out).toEqual([9, 6, 5, 4, 3, 2, 1, 1]);
    expect(heap.pop()).toBeUndefined();
  });
});
