/**
 * A binary max-heap (priority queue) over an explicit comparison, for the DySpec tree builder's sampling events.
 *
 * The comparison decides ties too, so the pop order is a pure function of what was pushed: the builders rely on
 * that for seed-for-seed reproducible trees.
 */
export class MaxHeap<T> {
  private readonly items: T[] = [];

  /**
   * @param before true when `a` must come out before `b` (a strict order: `before(a, a)` is false)
   */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Items held. */
  get size(): number {
    return this.items.length;
  }

  /** The item the next `pop` returns, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    // Sift up: swap with the parent while the new item must come out first.
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** Removes and returns the first item, or undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      // Sift down: swap with the child that must come out first while it beats the moved item.
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < items.length && this.before(items[left], items[best])) best = left;
        if (right < items.length && this.before(items[right], items[best])) best = right;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }

  /**
   * The first `k` items in `before` order (all of them when `k` exceeds the size), without changing the heap. With a
   * strict total order (the builders' key-then-creation order) these are exactly what the next `k` pops would return.
   * O(k log k) comparisons however large the heap: the builders look ahead like this once per draft call.
   *
   * Items the comparison cannot tell apart (neither `before` the other) come in the order they sit in the heap's
   * array, as a stable sort of that array would give them, so the result is still a pure function of the pushes and
   * pops so far.
   * @param k an integer >= 0
   */
  top(k: number): T[] {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`top(k) needs an integer k >= 0, got ${k}`);
    const items = this.items;
    const out: T[] = [];
    if (k === 0 || items.length === 0) return out;
    // Best-first walk of the heap's tree: a node comes out only after its parent, so a small heap of candidate
    // indices (the children of what is already out) always holds the next item. Ties fall back to the array index,
    // which is consistent with the heap property (a child never beats its parent and sits at a larger index), so the
    // walk yields exactly the stable sort of the array under `before`.
    const first = (i: number, j: number): boolean =>
      this.before(items[i], items[j]) || (!this.before(items[j], items[i]) && i < j);
    const frontier = new MaxHeap<number>(first);
    frontier.push(0);
    while (out.length < k && frontier.size > 0) {
      const i = frontier.pop() as number;
      out.push(items[i]);
      const left = 2 * i + 1;
      if (left < items.length) frontier.push(left);
      if (left + 1 < items.length) frontier.push(left + 1);
    }
    return out;
  }
}
