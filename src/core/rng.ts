/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna, 2018) seeded through splitmix32.
 *
 * Every random choice in the engine takes an `Rng` argument: the same seed gives the same run, in Node and in the
 * browser alike. 32-bit state words keep it exact in JavaScript's integer arithmetic (`Math.imul`, `>>> 0`).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed any finite number; its low 32 bits and the integer part above them are mixed in */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // splitmix32: spreads a small seed over the whole state so seeds 0, 1, 2 give unrelated streams.
    const x = (Math.floor(seed) ^ Math.floor(seed / 2 ** 32)) >>> 0;
    this.s0 = splitmix32(x, 1);
    this.s1 = splitmix32(x, 2);
    this.s2 = splitmix32(x, 3);
    this.s3 = splitmix32(x, 4);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A new generator whose stream is independent of this one's continuation (for per-prompt or per-sample streams). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11));
  }
}

/**
 * The k-th output of splitmix32 started at `state` (a module function rather than a closure: builders fork an Rng
 * per tree node, so construction should allocate nothing).
 */
function splitmix32(state: number, k: number): number {
  let z = (state + Math.imul(k, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
