/**
 * The adaptive controller of one loaded model pair (docs/design.md §6): everything the engine learns about the pair
 * on this device, kept across runs, and the one place a run is started. The CLI's runner and the page's worker are
 * thin shells over it, so a figure the page shows and one the CLI prints come from the same choices.
 *
 * It holds:
 * - the latency profiles t(n) of the target and the draft (measured once, on first need, with the clock it is given);
 * - one live budget chooser per `auto` strategy (budget-chooser.ts), fed every step that strategy runs;
 * - the per-rank acceptance measured from speculative steps, which shapes `sequoia:N` trees (frozen by a benchmark
 *   after its warm-up, as Sequoia builds its tree from an offline profile);
 * - `dyspec-cal`'s acceptance calibrations, one per strategy and sampling setting.
 *
 * Pure: the models, the clock and (optionally) the profile measurement are handed in.
 */
import {
  countAcceptanceByRank,
  DEFAULT_ACCEPTANCE_PRIOR,
  posteriorAcceptance,
  TABLE_DRAFT_LATENCY,
  type Latency,
} from './budget';
import { createBudgetChooser, DEFAULT_WINDOW, type AdaptiveBudgetChooser } from './budget-chooser';
import { CalibrationsBySetting } from './calibration';
import { generate, type AbortSignalLike, type StopReason } from './generate';
import { DEFAULT_PROFILE_SIZES, measureLatency, type LatencyOptions, type LatencyProfile } from './latency';
import type { LanguageModel } from './model';
import type { ContinuationIndex } from './ngram/continuations';
import { autoPlanner, fixedPlanner, type AutoPlanner, type StepPlanner } from './planner';
import type { SamplingParams } from './sampling';
import type { StepRecord } from './step';
import {
  DEFAULT_SEQUOIA_ACCEPTANCE,
  formatStrategy,
  isPrefixConsistent,
  isResolved,
  sourcesOf,
  type AutoStrategy,
  type Strategy,
} from './strategy';

/** Draft-side profile sizes: batched draft calls stay small. */
export const DRAFT_PROFILE_SIZES: readonly number[] = [1, 2, 4, 8, 16, 32];
/** Repeats per size of a profile (the median is kept). */
export const PROFILE_REPEATS = 5;
/** Sibling ranks whose acceptance shapes Sequoia trees. */
const SEQUOIA_RANKS = 8;
/** Speculative steps kept for the per-rank acceptance. */
const OBSERVED_STEPS = 512;

/** Which model of the pair. */
export type Role = 'draft' | 'target';

/** What the controller is handed. */
export interface ControllerDeps {
  draft: LanguageModel | null;
  target: LanguageModel;
  /** The shared vocabulary distributions are taken over. */
  vocab: number;
  eosTokenIds: readonly number[];
  /** Milliseconds, monotonic. */
  now: () => number;
  /** Measures one model's t(n) (default: core's measurement); the CLI memoises it per model hash. */
  measure?: (role: Role, model: LanguageModel, options: LatencyOptions) => Promise<LatencyProfile>;
  /** Progress lines (profiling). */
  log?: (line: string) => void;
}

/** One generation's settings. */
export interface RunSettings {
  prompt: readonly number[];
  strategy: Strategy;
  params: SamplingParams;
  maxNewTokens: number;
  seed: number;
  /** The corpus datastore of `@corpus` strategies. */
  datastore?: ContinuationIndex | null;
  signal?: AbortSignalLike;
  onStep?: (step: StepRecord) => void | Promise<void>;
}

/** What one generation produced. */
export interface RunOutcome {
  tokens: number[];
  steps: StepRecord[];
  stopReason: StopReason;
  /** The strategy most steps ran, as text (`dyspec:12`, or `ar` where `auto` chose not to speculate). */
  resolved: string;
  /** `auto` strategies: the budget of each step that ran (0: target only); else empty. */
  chosenBudgets: number[];
  /** Wall time of the generate call (prefill included), ms; the profiling an `auto` run may trigger is excluded. */
  wallMs: number;
}

/**
 * A live chooser and the steps it reads (the last DEFAULT_WINDOW are all it uses): its own, and those of the pair's
 * `ar` runs, whose target-only steps cost what its own budget-0 steps cost. Fixed speculative runs lend nothing: a
 * `dyspec-cal:2` run keeps its own calibration, so its trees are not `dyspec-cal:auto`'s budget-2 trees, and lending
 * such runs made `auto` speculate more and lose (bench, bundled pair, T = 0, 7 strategies with the 1-16 sweep: 90.0%
 * and 92.6% of `ar` lending the sweep's steps, 94.7% and 95.0% lending `ar`'s only).
 */
interface ChooserEntry {
  chooser: AdaptiveBudgetChooser;
  steps: StepRecord[];
  spec: AutoStrategy;
  record(step: StepRecord): void;
}

/** The controller of one loaded pair (see the file comment). */
export class PairController {
  readonly calibrations = new CalibrationsBySetting();
  private readonly profiles = new Map<Role, Promise<LatencyProfile>>();
  private readonly choosers = new Map<string, Promise<ChooserEntry>>();
  /** The choosers made so far (those `choosers` has resolved). */
  private readonly ready: ChooserEntry[] = [];
  /** `ar` runs' steps held for the choosers until the end of a benchmark unit (see `lendStepsAt`); null: none held. */
  private lent: StepRecord[][] | null = null;
  /** Each step's wall time from the previous step's end in its run (the first step of a run has none). */
  private readonly stepWall = new WeakMap<StepRecord, number>();
  private observed: StepRecord[] = [];
  private frozenAcceptance: number[] | null = null;

  constructor(private readonly deps: ControllerDeps) {}

  /** Cached rows before each timed profile call: about where a bench's steps run, or a quarter of a short model. */
  profilePast(): number {
    return Math.max(1, Math.min(64, Math.floor(this.positionLimit() / 4)));
  }

  private positionLimit(): number {
    return Math.min(this.deps.target.maxPositions, this.deps.draft?.maxPositions ?? Infinity);
  }

  /** t(n) of one model (measured once); sizes that would not fit after the past are left out. */
  profile(role: Role): Promise<LatencyProfile> {
    let hit = this.profiles.get(role);
    if (!hit) {
      const model = role === 'target' ? this.deps.target : this.deps.draft;
      if (!model) return Promise.reject(new Error('this pair has no draft model to profile'));
      const room = this.positionLimit() - this.profilePast();
      const sizes = (role === 'target' ? DEFAULT_PROFILE_SIZES : DRAFT_PROFILE_SIZES).filter((n) => n <= room);
      const options: LatencyOptions = {
        sizes,
        past: this.profilePast(),
        repeats: PROFILE_REPEATS,
        vocab: this.deps.vocab,
        now: this.deps.now,
      };
      hit = (this.deps.measure ?? ((_, m, o) => measureLatency(m, o)))(role, model, options);
      this.profiles.set(role, hit);
      hit.catch(() => this.profiles.delete(role));
    }
    return hit;
  }

  /** Per-rank acceptance for `sequoia:N` trees: measured from speculative steps, the default before any. */
  sequoiaAcceptance(): number[] {
    if (this.frozenAcceptance) return this.frozenAcceptance;
    if (this.observed.length === 0) return [...DEFAULT_SEQUOIA_ACCEPTANCE];
    const prior = { rates: DEFAULT_SEQUOIA_ACCEPTANCE, strength: DEFAULT_ACCEPTANCE_PRIOR.strength };
    return posteriorAcceptance(countAcceptanceByRank(this.observed, SEQUOIA_RANKS), prior);
  }

  /**
   * Measures the profiles again and re-prices every `auto` chooser with them, keeping their steps. A benchmark does
   * this after its warm-up: the first profile of a pair runs on a cold engine (before WASM tier-up), and on the
   * bundled target it read t(1) 40% above the warm value, which priced budget 0 out of reach.
   */
  async reprofile(): Promise<{ target: LatencyProfile; draft: LatencyProfile | null }> {
    this.profiles.clear();
    const target = await this.profile('target');
    const draft = this.deps.draft ? await this.profile('draft') : null;
    for (const pending of this.choosers.values()) {
      const entry = await pending;
      const latency = await this.latenciesFor(entry.spec);
      entry.chooser.reprice(latency.target, latency.draft);
    }
    return { target, draft };
  }

  /** The latencies a chooser of `spec` prices budgets with (each profile measured once, on first need). */
  private async latenciesFor(spec: AutoStrategy): Promise<{ target: Latency; draft: Latency }> {
    const target = await this.profile('target');
    // Table sources cost microseconds: their draft time is calibrated from the steps, starting near zero.
    const draft = sourcesOf(spec).includes('model') ? await this.profile('draft') : TABLE_DRAFT_LATENCY;
    return { target, draft };
  }

  /** Fixes the Sequoia acceptance to what was measured so far (a benchmark does this after its warm-up). */
  freezeSequoiaAcceptance(): number[] {
    this.frozenAcceptance = null;
    this.frozenAcceptance = this.sequoiaAcceptance();
    return this.frozenAcceptance;
  }

  /** The live chooser of an `auto` strategy: one per strategy text, made (after profiling) on first use. */
  private chooser(spec: AutoStrategy): Promise<ChooserEntry> {
    const key = formatStrategy(spec);
    let entry = this.choosers.get(key);
    if (!entry) {
      entry = (async () => {
        this.deps.log?.(`profiling draft and target for ${key} ...`);
        const latency = await this.latenciesFor(spec);
        const dyspec = isPrefixConsistent(spec);
        const chooser = createBudgetChooser({
          targetLatency: latency.target,
          draftLatency: latency.draft,
          // DySpec grows one popped node at a time (prefix-consistent); Sequoia expands layer by layer.
          draftCalls: dyspec ? 'per-node' : 'per-layer',
          prefixConsistent: dyspec,
          stepMs: (step) => this.stepWall.get(step) ?? step.timings.total,
        });
        const made: ChooserEntry = {
          chooser,
          steps: [],
          spec,
          record(step) {
            made.steps.push(step);
            if (made.steps.length > 2 * DEFAULT_WINDOW) made.steps = recentSteps(made.steps, DEFAULT_WINDOW);
          },
        };
        this.ready.push(made);
        return made;
      })();
      this.choosers.set(key, entry);
      entry.catch(() => this.choosers.delete(key));
    }
    return entry;
  }

  /**
   * The planner of one run of `spec`, and a hook that records each of its steps in what the controller learns.
   * Profiling (for `auto`) happens here, before the run is timed.
   */
  async planner(spec: Strategy, params: SamplingParams): Promise<{ planner: StepPlanner; chosen: () => number[] }> {
    const calibration = this.calibrations.forRun(spec, params);
    const context = { acceptance: this.sequoiaAcceptance(), calibration };
    let lastEnd: number | null = null;
    const learn = (step: StepRecord, feeds: readonly ChooserEntry[]): void => {
      const end = this.deps.now();
      if (lastEnd !== null) this.stepWall.set(step, end - lastEnd);
      lastEnd = end;
      if (step.tree.parents.length > 1) this.observed.push(step);
      if (this.observed.length > 2 * OBSERVED_STEPS) this.observed = this.observed.slice(-OBSERVED_STEPS);
      for (const entry of feeds) entry.record(step);
    };
    if (isResolved(spec)) {
      const fixed = fixedPlanner(spec, context);
      const lends = spec.kind === 'ar';
      const held: StepRecord[] | null = lends && this.lent ? [] : null;
      if (held) this.lent?.push(held);
      const feeds = lends && !held ? [...this.ready] : [];
      const observe = (step: StepRecord): void => {
        learn(step, feeds);
        held?.push(step);
      };
      return { planner: observing(fixed, observe), chosen: () => [] };
    }
    const entry = await this.chooser(spec);
    const auto: AutoPlanner = autoPlanner(spec, (run) => entry.chooser.choose(entry.steps, run.length), context);
    return { planner: observing(auto, (step) => learn(step, [entry])), chosen: () => [...auto.chosen] };
  }

  /**
   * When `ar` runs' steps reach the `auto` choosers: as they run ('run', the default), or
   * held until `endUnit` ('unit'). A benchmark holds them, so that what a chooser knows at any run is what the units
   * before it measured, whatever order the strategies of the current unit run in (the figures stay independent of
   * the order the strategies are listed in). Switching back to 'run' hands over what is held.
   */
  lendStepsAt(point: 'run' | 'unit'): void {
    if (point === 'unit') this.lent ??= [];
    else {
      this.endUnit();
      this.lent = null;
    }
  }

  /** Hands the held steps to the choosers, run by run. */
  endUnit(): void {
    if (!this.lent) return;
    for (const run of this.lent) for (const step of run) for (const entry of this.ready) entry.record(step);
    this.lent = [];
  }

  /** Runs one generation with the controller's planner; what it learns is kept for the next run. */
  async run(settings: RunSettings): Promise<RunOutcome> {
    const { planner, chosen } = await this.planner(settings.strategy, settings.params);
    const start = this.deps.now();
    const result = await generate({
      draft: this.deps.draft,
      target: this.deps.target,
      datastore: settings.datastore ?? null,
      prompt: settings.prompt,
      planner,
      params: settings.params,
      maxNewTokens: settings.maxNewTokens,
      seed: settings.seed,
      eosTokenIds: this.deps.eosTokenIds,
      vocab: this.deps.vocab,
      signal: settings.signal,
      now: this.deps.now,
      onStep: settings.onStep,
    });
    return {
      tokens: result.tokens,
      steps: result.steps,
      stopReason: result.stopReason,
      resolved: result.strategy ? formatStrategy(result.strategy) : formatStrategy(settings.strategy),
      chosenBudgets: chosen(),
      wallMs: this.deps.now() - start,
    };
  }
}

/**
 * The last `window` steps and, before them, the last `window` speculative ones, in order: while budget 0 is held for
 * long, the acceptance the chooser has measured stays in its window instead of giving way to target-only steps.
 */
function recentSteps(steps: readonly StepRecord[], window: number): StepRecord[] {
  const kept: StepRecord[] = [];
  let speculative = 0;
  for (let i = steps.length - 1; i >= 0; i--) {
    const drafted = steps[i].tree.parents.length > 1;
    if (i >= steps.length - window || (drafted && speculative < window)) kept.push(steps[i]);
    if (drafted) speculative++;
  }
  return kept.reverse();
}

/** The planner with `also` called after its own `observe`. */
function observing(planner: StepPlanner, also: (step: StepRecord) => void): StepPlanner {
  return {
    sources: planner.sources,
    next: (steps) => planner.next(steps),
    observe: (step) => {
      planner.observe(step);
      also(step);
    },
  };
}
