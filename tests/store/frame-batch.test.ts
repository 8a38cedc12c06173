import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameCoalescer, type FrameScheduler } from '../../src/store/frame-batch';

/** A scheduler whose frames run when the test says, on a clock the test moves. */
function manualFrames(): FrameScheduler & { frame(ms?: number): void; waiting: () => number; t: number } {
  let next = 1;
  const callbacks = new Map<number, () => void>();
  const s = {
    t: 0,
    request: (cb: () => void) => {
      callbacks.set(next, cb);
      return next++;
    },
    cancel: (h: number) => void callbacks.delete(h),
    now: () => s.t,
    /** Advances the clock by `ms` and runs the callbacks requested before this frame (not those they request). */
    frame(ms = 16) {
      s.t += ms;
      const due = [...callbacks];
      callbacks.clear();
      for (const [, cb] of due) cb();
    },
    waiting: () => callbacks.size,
  };
  return s;
}

describe('frameCoalescer', () => {
  it('applies a first item at once, and the items of the same frame together on the next one, in order', () => {
    const frames = manualFrames();
    const applied: number[][] = [];
    const batch = frameCoalescer<number>((items) => applied.push(items), { scheduler: frames });
    batch.push(1);
    expect(applied).toEqual([[1]]);
    batch.push(2);
    batch.push(3);
    batch.push(4);
    expect(applied).toEqual([[1]]);
    expect(batch.pending).toBe(3);
    frames.frame();
    expect(applied).toEqual([[1], [2, 3, 4]]);
    // Nothing came during that frame: the loop stops, and the next item shows at once again.
    frames.frame();
    expect(frames.waiting()).toBe(0);
    batch.push(5);
    expect(applied).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('waits for the interval across frames, then applies on a frame', () => {
    const frames = manualFrames();
    const applied: number[][] = [];
    const batch = frameCoalescer<number>((items) => applied.push(items), { scheduler: frames, minIntervalMs: 50 });
    batch.push(1);
    batch.push(2);
    frames.frame(16);
    frames.frame(16);
    batch.push(3);
    frames.frame(16);
    expect(applied).toEqual([[1]]);
    frames.frame(16); // 64 ms after the first apply
    expect(applied).toEqual([[1], [2, 3]]);
    // A quiet stretch inside the interval still holds the next item back until the interval has passed.
    frames.frame(16);
    batch.push(4);
    expect(applied).toHaveLength(2);
    frames.frame(40);
    expect(applied).toEqual([[1], [2, 3], [4]]);
  });

  it('flush hands over what is pending at once; cancel drops it', () => {
    const frames = manualFrames();
    const applied: string[][] = [];
    const batch = frameCoalescer<string>((items) => applied.push(items), { scheduler: frames });
    batch.flush();
    expect(applied).toEqual([]); // nothing pending: no empty apply
    batch.push('a');
    batch.push('b');
    batch.flush();
    expect(applied).toEqual([['a'], ['b']]);
    batch.push('c');
    batch.cancel();
    frames.frame();
    expect(applied).toEqual([['a'], ['b']]);
    expect(batch.pending).toBe(0);
    batch.push('d'); // after a cancel the next item is applied at once
    expect(applied.at(-1)).toEqual(['d']);
  });

  it('hands over every item once, in order, and applies at most once per frame and interval', () => {
    // Each action: push an item, or run a frame after some milliseconds.
    const action = fc.oneof(fc.constant<'push'>('push'), fc.integer({ min: 1, max: 40 }));
    fc.assert(
      fc.property(fc.array(action, { maxLength: 80 }), fc.constantFrom(0, 16, 50), (actions, interval) => {
        const frames = manualFrames();
        const applied: { t: number; items: number[] }[] = [];
        const batch = frameCoalescer<number>((items) => applied.push({ t: frames.t, items }), {
          scheduler: frames,
          minIntervalMs: interval,
        });
        let pushed = 0;
        let framesRun = 0;
        const appliesPerFrame = new Map<number, number>();
        for (const a of actions) {
          if (a === 'push') batch.push(pushed++);
          else {
            frames.frame(a);
            framesRun++;
          }
          appliesPerFrame.set(framesRun, applied.length);
        }
        batch.flush();
        expect(applied.flatMap((a) => a.items)).toEqual([...Array(pushed).keys()]);
        // Between two frames at most one apply (the one at the first item, or the one the frame made).
        for (let f = 1; f <= framesRun; f++) {
          expect((appliesPerFrame.get(f) ?? 0) - (appliesPerFrame.get(f - 1) ?? 0)).toBeLessThanOrEqual(1);
        }
        for (let i = 1; i < applied.length - 1; i++)
          expect(applied[i].t - applied[i - 1].t).toBeGreaterThanOrEqual(interval);
      }),
    );
  });
});
