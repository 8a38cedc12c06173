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

  /** The items in pop order, without changing the heap (O(n log n); for inspection, not for the hot path). */
  sorted(): T[] {
    return this.items.slice().sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
  }
}
