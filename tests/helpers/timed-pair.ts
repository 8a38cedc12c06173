/**
 * A deterministic, fake-timed model pair for the controller and benchmark tests: the table-driven LMs of table-lm.ts,
 * each forward call advancing a shared fake clock by a cost model t(n) = fixed + perToken · n (+ perTokenSquared · n²)
 * for n tokens fed. The
 * controller is handed that clock as `now`, so latency profiles, step timings and wall times are exact functions of
 * the calls made: two runs that make the same calls take the same time, whatever ran before them.
 */
import { PairController, type ControllerDeps } from '../../src/core/controller';
import type { LanguageModel } from '../../src/core/model';
import { argmax } from '../../src/core/sampling';
import { TableLm } from './table-lm';

/** Milliseconds one forward call costs: `fixed + perToken · n + perTokenSquared · n²` for n tokens fed. */
export interface CallCost {
  fixed: number;
  perToken: number;
  perTokenSquared?: number;
}

/**
 * Clock resolution: 1/1024 ms. Every time on the clock is a multiple of it, so sums and differences of clock readings
 * are exact in floating point (up to 2^43 ms), and a time does not depend on where on the clock a call happened.
 */
export const TICKS_PER_MS = 1024;

/** What `cost` charges for a call on n tokens, on the clock's grid. */
export function callMs(cost: CallCost, n: number): number {
  const ms = cost.fixed + cost.perToken * n + (cost.perTokenSquared ?? 0) * n * n;
  return Math.round(ms * TICKS_PER_MS) / TICKS_PER_MS;
}

/** A clock that only moves when a model call advances it. */
export class FakeClock {
  private t = 0;
  /** The clock as ControllerDeps wants it (a bound function). */
  readonly now = (): number => this.t;
  /** Moves the clock on by `ms`, rounded to the clock's grid. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, got ${ms}`);
    this.t += Math.round(ms * TICKS_PER_MS) / TICKS_PER_MS;
  }
}

/** A model whose every forward call advances `clock` by its cost; everything else is the wrapped model's. */
export class TimedLm implements LanguageModel {
  /** Tokens fed per forward call, in order. */
  readonly callSizes: number[] = [];

  constructor(
    readonly inner: TableLm,
    private readonly clock: FakeClock,
    readonly cost: CallCost,
  ) {}

  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  get maxPositions(): number {
    return this.inner.maxPositions;
  }
  get pastLength(): number {
    return this.inner.pastLength;
  }

  async forward(tokens: ArrayLike<number>, positions: ArrayLike<number>, bias: Float32Array): Promise<Float32Array> {
    const out = await this.inner.forward(tokens, positions, bias);
    this.callSizes.push(tokens.length);
    this.clock.advance(callMs(this.cost, tokens.length));
    return out;
  }

  commit(keep: readonly number[]): Promise<void> {
    return this.inner.commit(keep);
  }

  reset(): void {
    this.inner.reset();
  }
}

/** The kinds of pair the tests use. */
export type PairKind =
  /** The draft is the target plus a little noise and verify cost is nearly flat in n: speculation pays. */
  | 'good'
  /** The draft is independent of the target (another seed, no `like`): its guesses are about 1/vocab right. */
  | 'useless'
  /** The draft is as good as in `good`, but verify cost grows with the square of n: t(2) is 2.5 t(1). */
  | 'steep';

/** Shape of a pair. */
export interface TimedPairOptions {
  kind: PairKind;
  /** Seed of the target table (the draft's is derived from it). */
  seed?: number;
  vocab?: number;
  /** Overrides of the cost models. */
  targetCost?: CallCost;
  draftCost?: CallCost;
  /** A clock to share with other pairs (default: a fresh one). */
  clock?: FakeClock;
}

/** Default costs per kind: a verify call of 10 ms for one token, a draft call about a tenth of it. */
const COSTS: Record<PairKind, { target: CallCost; draft: CallCost }> = {
  good: { target: { fixed: 10, perToken: 0.02 }, draft: { fixed: 1, perToken: 0.01 } },
  useless: { target: { fixed: 10, perToken: 0.5 }, draft: { fixed: 1, perToken: 0.01 } },
  steep: { target: { fixed: 5, perToken: 0, perTokenSquared: 5 }, draft: { fixed: 1, perToken: 0.01 } },
};

/** A fake-timed draft/target pair and what a controller over it needs. */
export interface TimedPair {
  kind: PairKind;
  clock: FakeClock;
  vocab: number;
  target: TimedLm;
  draft: TimedLm;
  /** The target's greedy continuation of `prompt` (n tokens, no EOS), straight from its table. */
  greedy(prompt: readonly number[], n: number): number[];
  /** Controller deps over this pair and its clock (no EOS, the core's latency measurement). */
  deps(overrides?: Partial<ControllerDeps>): ControllerDeps;
  /** A fresh controller over this pair. */
  controller(overrides?: Partial<ControllerDeps>): PairController;
}

/** Builds a pair (see PairKind). Two pairs built with the same options behave identically, call for call. */
export function timedPair(options: TimedPairOptions): TimedPair {
  const { kind } = options;
  const seed = options.seed ?? 11;
  const vocab = options.vocab ?? 32;
  const clock = options.clock ?? new FakeClock();
  const targetLm = new TableLm({ vocab, order: 2, seed, sharpness: 3 });
  const draftLm =
    kind === 'useless'
      ? new TableLm({ vocab, order: 2, seed: seed + 1000, sharpness: 3 })
      : new TableLm({ vocab, order: 2, seed: seed + 1, sharpness: 0.3, like: targetLm });
  const target = new TimedLm(targetLm, clock, options.targetCost ?? COSTS[kind].target);
  const draft = new TimedLm(draftLm, clock, options.draftCost ?? COSTS[kind].draft);
  const deps = (overrides: Partial<ControllerDeps> = {}): ControllerDeps => ({
    draft,
    target,
    vocab,
    eosTokenIds: [],
    now: clock.now,
    ...overrides,
  });
  return {
    kind,
    clock,
    vocab,
    target,
    draft,
    greedy(prompt, n) {
      const sequence = [...prompt];
      for (let i = 0; i < n; i++) sequence.push(argmax(targetLm.logitsFor(sequence), 0, vocab));
      return sequence.slice(prompt.length);
    },
    deps,
    controller: (overrides) => new PairController(deps(overrides)),
  };
}

/** Prompts of `length` tokens below `vocab`, one per entry, from a fixed pattern (no randomness needed). */
export function fixedPrompts(count: number, length: number, vocab: number): number[][] {
  return Array.from({ length: count }, (_, p) => Array.from({ length }, (_, i) => (p * 7 + i * 3 + 1) % vocab));
}
