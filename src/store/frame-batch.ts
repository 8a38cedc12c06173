/**
 * Coalesces items that arrive within one frame into one call. The engine streams a step per message, and each
 * message is its own task: applied one by one, every step is a store update and a React commit (tree, output and
 * metrics re-rendered, laid out and painted) even when several arrive before the screen can show one. Batched per
 * animation frame, the page does that work at most once per frame, however fast steps come or however far behind the
 * main thread is.
 */

/** When to run a flush: after the next animation frame in the page, an injected fake in tests. */
export interface FrameScheduler {
  /** Runs `callback` once, later; returns a handle for `cancel`. */
  request(callback: () => void): number;
  cancel(handle: number): void;
  /** Milliseconds, monotonic. */
  now(): number;
}

/**
 * The page's scheduler: a task right after the next animation frame (a frame, then a MessageChannel message), or a
 * 16 ms timer where there are no frames (Node, jsdom without them). Not in the frame callback itself: the React
 * commit it triggers would join the frame's layout and paint in one task, the long task this is meant to avoid; as a
 * task of its own it lets input in between, and the next frame paints it. A hidden tab runs no frames, so its items
 * wait; whoever needs them at once calls `flush()` (the run's end does).
 */
export function animationFrameScheduler(): FrameScheduler {
  const now = (): number => performance.now();
  if (typeof requestAnimationFrame !== 'function' || typeof MessageChannel === 'undefined') {
    return {
      request: (cb) => setTimeout(cb, 16) as unknown as number,
      cancel: (h) => clearTimeout(h as unknown as ReturnType<typeof setTimeout>),
      now,
    };
  }
  const channel = new MessageChannel();
  (channel.port1 as { unref?: () => void }).unref?.(); // Node (jsdom tests): the port must not keep the process up
  let next = 1;
  const frames = new Map<number, number>(); // request -> its animation frame, until the frame runs
  const posted = new Map<number, () => void>(); // request -> its callback, once the frame ran
  channel.port1.onmessage = (e: MessageEvent<number>) => {
    const cb = posted.get(e.data);
    posted.delete(e.data);
    cb?.();
  };
  return {
    request(cb) {
      const id = next++;
      const frame = requestAnimationFrame(() => {
        frames.delete(id);
        posted.set(id, cb);
        channel.port2.postMessage(id);
      });
      frames.set(id, frame);
      return id;
    },
    cancel(id) {
      const frame = frames.get(id);
      if (frame !== undefined) cancelAnimationFrame(frame);
      frames.delete(id);
      posted.delete(id);
    },
    now,
  };
}

/**
 * Least time between two updates of a live run's steps: 20 a second, which still reads as streaming text. Each
 * update re-renders the tree, the output and the metrics, whose cost grows with the run; the bundled pair makes a
 * step every ~30 ms, faster than that on `ar`, so a frame alone would merge few of them.
 */
export const STREAM_INTERVAL_MS = 50;

/** Items handed over at most once per frame. */
export interface FrameCoalescer<T> {
  push(item: T): void;
  /** Hands over what is pending now (nothing happens when nothing is). */
  flush(): void;
  /** Drops what is pending without handing it over, and ends the current frame's wait. */
  cancel(): void;
  /** Items waiting for the next frame. */
  readonly pending: number;
}

/** Options of {@link frameCoalescer}. */
export interface CoalescerOptions {
  /** Default: {@link animationFrameScheduler}. */
  scheduler?: FrameScheduler;
  /** Least time between two applies (default 0: once per frame); the apply still waits for a frame. */
  minIntervalMs?: number;
}

/**
 * A coalescer calling `apply` with the items pushed, in order, at most once per frame (and `minIntervalMs`). An item
 * that arrives when nothing was applied for that long is applied at once (the first token of a run shows without
 * waiting); items arriving after that wait, and are applied together on the first frame the interval allows.
 */
export function frameCoalescer<T>(apply: (items: T[]) => void, options: CoalescerOptions = {}): FrameCoalescer<T> {
  const scheduler = options.scheduler ?? animationFrameScheduler();
  const interval = options.minIntervalMs ?? 0;
  let items: T[] = [];
  let lastApply = -Infinity;
  /** Set while a frame is awaited after an apply: pushes wait for it. */
  let handle: number | null = null;
  const take = (): T[] => {
    const out = items;
    items = [];
    return out;
  };
  const applyNow = (): void => {
    handle = scheduler.request(onFrame);
    lastApply = scheduler.now();
    apply(take());
  };
  function onFrame(): void {
    handle = null;
    const due = scheduler.now() - lastApply >= interval;
    if (due && items.length > 0) applyNow();
    else if (!due) handle = scheduler.request(onFrame); // within the interval: items wait for a later frame
    // else: a quiet frame after the interval, so the next item is applied at once
  }
  return {
    push(item) {
      items.push(item);
      if (handle === null) applyNow();
    },
    flush() {
      const out = take();
      if (out.length > 0) apply(out);
    },
    cancel() {
      if (handle !== null) scheduler.cancel(handle);
      handle = null;
      items = [];
    },
    get pending() {
      return items.length;
    },
  };
}
