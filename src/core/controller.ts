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

/** A live chooser and the steps of its strategy (the last DEFAULT_WINDOW are all it reads). */
interface ChooserEntry {
  chooser: AdaptiveBudgetChooser;
  steps: StepRecord[];
  spec: AutoStrategy;
}

/** The controller of one loaded pair (see the file comment). */
export class PairController {
  readonly calibrations = new CalibrationsBySetting();
  private readonly profiles = new Map<Role, Promise<LatencyProfile>>();
  private readonly choosers = new Map<string, Promise<ChooserEntry>>();
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
        });
        return { chooser, steps: [], spec };
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
    const learn = (step: StepRecord): void => {
      if (step.tree.parents.length > 1) this.observed.push(step);
      if (this.observed.length > 2 * OBSERVED_STEPS) this.observed = this.observed.slice(-OBSERVED_STEPS);
    };
    if (isResolved(spec)) {
      const fixed = fixedPlanner(spec, context);
      return { planner: observing(fixed, learn), chosen: () => [] };
    }
    const entry = await this.chooser(spec);
    const auto: AutoPlanner = autoPlanner(spec, () => entry.chooser.choose(entry.steps), context);
    const record = (step: StepRecord): void => {
      learn(step);
      entry.steps.push(step);
      if (entry.steps.length > 2 * DEFAULT_WINDOW) entry.steps = entry.steps.slice(-DEFAULT_WINDOW);
    };
    return { planner: observing(auto, record), chosen: () => [...auto.chosen] };
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
