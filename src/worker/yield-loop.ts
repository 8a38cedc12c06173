/**
 * Giving the engine's thread back to its message loop during a run. The models' awaits are microtasks, so without
 * this a `stop` (a message) would wait for the whole run.
 */

/** Longest a free run or a comparison keeps the thread between two looks at the message loop (Stop). */
const YIELD_EVERY_MS = 8;

/**
 * A step hook that hands the thread back to the message loop at most every YIELD_EVERY_MS, so a `stop` (a message,
 * i.e. a macrotask) is seen within about one step: the models' awaits are microtasks and never let it in. A
 * MessageChannel round trip is used rather than setTimeout, which browsers clamp to 4 ms once nested.
 */
export function loopYielder(now: () => number): () => Promise<void> {
  let last = now();
  return async () => {
    if (now() - last < YIELD_EVERY_MS) return;
    await yieldToLoop();
    last = now();
  };
}

/** Resolves on a later task of the message loop. */
export function yieldToLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
