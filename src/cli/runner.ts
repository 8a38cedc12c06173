/**
 * One place where the commands call the engine: a `Runner` holds a loaded pair and what it learns across runs in
 * this process — the measured latency profiles, the live budget choosers of the `auto` strategies, and the per-rank
 * acceptance measured so far (which shapes `sequoia:N` trees, as Sequoia measures it before building trees).
 */
import { countAcceptanceByRank, DEFAULT_ACCEPTANCE_PRIOR, posteriorAcceptance } from '../core/budget';
import { asStrategyChooser, createBudgetChooser, type AdaptiveBudgetChooser } from '../core/budget-chooser';
import { CalibrationsBySetting } from '../core/calibration';
import { generate, type StopReason } from '../core/generate';
import type { SamplingParams } from '../core/sampling';
import type { StepRecord } from '../core/step';
import { TABLE_DRAFT_LATENCY } from '../core/budget';
import {
  DEFAULT_SEQUOIA_ACCEPTANCE,
  formatStrategy,
  isAutoStrategy,
  parseStrategy,
  sourcesOf,
  type Strategy,
} from '../core/strategy';
import { type LoadedDatastore } from '../runtime/datastore';
import { openDatastore } from './datastore';
import type { CommandContext } from './command';
import { nowMs } from './io';
import { cachedLatency, DEFAULT_PROFILE_SIZES, type LatencyProfile } from './latency';
import type { CliModel, CliPair } from './models';
import { toSamplingParams } from './options';

/** The result of one generation as the commands use it. */
export interface RunResult {
  tokens: number[];
  steps: StepRecord[];
  stopReason: StopReason;
  /** The strategy that ran, an `auto` budget resolved to its most chosen value (e.g. `dyspec:12`). */
  resolved: string;
  /** `auto` strategies: the budget chosen before each step (else empty). */
  chosenBudgets: number[];
  /** Wall time of the whole generate call (prefill included), ms. */
  wallMs: number;
}

/** Settings of one generation. */
export interface RunSettings {
  prompt: readonly number[];
  strategy: Strategy;
  params: SamplingParams;
  maxNewTokens: number;
  seed: number;
}

/** The parsed options of a command that decodes one prompt (`generate`, `sample`). */
export interface PromptRunOptions {
  prompt: string;
  strategy: string;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  draft: string;
  target: string;
  threads: number;
  datastore?: string;
}

/**
 * Loads the pair the options name and returns it with a Runner on it (progress lines to stderr) and the run the
 * options describe (the prompt tokenized by the pair's tokenizer).
 * @throws UsageError for bad sampling settings, before anything is loaded
 */
export async function openPromptRun(
  o: PromptRunOptions,
  { io, loader }: CommandContext,
): Promise<{ pair: CliPair; runner: Runner; settings: RunSettings }> {
  const params = toSamplingParams(o);
  const pair = await loader.pair(o.draft, o.target, o.threads);
  const settings: RunSettings = {
    prompt: pair.tokenizer.encode(o.prompt),
    strategy: parseStrategy(o.strategy),
    params,
    maxNewTokens: o.maxNewTokens,
    seed: o.seed,
  };
  const datastore = openDatastore(o.datastore, o.target, pair, (line) => io.err(line));
  return { pair, runner: new Runner(pair, (line) => io.err(line), datastore), settings };
}

/** Draft-side latency sizes: batched draft calls stay small. */
const DRAFT_SIZES: readonly number[] = [1, 2, 4, 8, 16, 32];
/** Repeats per size for the live profile (median). */
const PROFILE_REPEATS = 9;
/** Rank entries tracked for Sequoia's acceptance vector. */
const SEQUOIA_RANKS = 8;

/** A loaded pair plus what the process has learned about it. */
export class Runner {
  private readonly choosers = new Map<string, { chooser: AdaptiveBudgetChooser; steps: StepRecord[] }>();
  /** Steps of every speculative run so far (for the per-rank acceptance). */
  private readonly observed: StepRecord[] = [];
  /** What `dyspec-cal` runs learned about acceptance, carried into the next run of the same sampling setting. */
  readonly calibrations = new CalibrationsBySetting();

  constructor(
    readonly pair: CliPair,
    /** Called with progress lines (profiling), e.g. the command's stderr. */
    private readonly log: (line: string) => void = () => {},
    /** Loads the corpus datastore of `@corpus` strategies, asked the first time one runs. */
    private readonly loadDatastore: (() => Promise<LoadedDatastore>) | null = null,
  ) {}

  private datastorePromise: Promise<LoadedDatastore> | null = null;

  /** The corpus datastore (loaded once, on first use). @throws when none can be had */
  datastore(): Promise<LoadedDatastore> {
    if (!this.loadDatastore) return Promise.reject(new Error('no corpus datastore is available to this command'));
    return (this.datastorePromise ??= this.loadDatastore());
  }

  /** EOS ids of the shared tokenizer. */
  get eos(): readonly number[] {
    return this.pair.tokenizer.eosTokenIds;
  }

  /** Past length for profiles: about where a bench's steps run (64), or a quarter of a short model's positions. */
  profilePast(): number {
    return Math.max(1, Math.min(64, Math.floor(this.positionLimit() / 4)));
  }

  private positionLimit(): number {
    return Math.min(this.pair.target.model.maxPositions, this.pair.draft.model.maxPositions);
  }

  /** t(n) of one side (measured once per process); sizes that would not fit after the past are left out. */
  profile(role: 'draft' | 'target'): Promise<LatencyProfile> {
    const m: CliModel = this.pair[role];
    const room = this.positionLimit() - this.profilePast();
    const sizes = (role === 'target' ? DEFAULT_PROFILE_SIZES : DRAFT_SIZES).filter((n) => n <= room);
    const vocab = Math.min(
      this.pair.draft.model.vocabSize,
      this.pair.target.model.vocabSize,
      this.pair.tokenizer.vocabSize,
    );
    return cachedLatency({ hash: m.hash, backend: m.backend.backend, threads: m.backend.threads }, m.model, {
      sizes,
      past: this.profilePast(),
      repeats: PROFILE_REPEATS,
      vocab,
    });
  }

  /** The live chooser of an `auto` strategy (one per strategy text, kept across runs). */
  async chooser(strategy: Strategy): Promise<{ chooser: AdaptiveBudgetChooser; steps: StepRecord[] }> {
    const key = formatStrategy(strategy);
    let entry = this.choosers.get(key);
    if (!entry) {
      this.log(`profiling draft and target for ${key} ...`);
      const target = await this.profile('target');
      // Table sources cost microseconds: their draft time is calibrated from the steps, starting near zero.
      const draft = sourcesOf(strategy).includes('model') ? await this.profile('draft') : TABLE_DRAFT_LATENCY;
      const dyspec = strategy.kind !== 'sequoia'; // dyspec and dyspec-cal: prefix-consistent heaps
      entry = {
        chooser: createBudgetChooser({
          targetLatency: target,
          draftLatency: draft,
          // A few bench prompts' worth of steps: enough to average out one prompt's easy or hard text.
          window: 128,
          // DySpec grows one popped node at a time (prefix-consistent); Sequoia expands layer by layer.
          draftCalls: dyspec ? 'per-node' : 'per-layer',
          prefixConsistent: dyspec,
        }),
        steps: [],
      };
      this.choosers.set(key, entry);
    }
    return entry;
  }

  /**
   * Fixes the Sequoia acceptance vector to what has been measured so far (a bench does this after its warm-up, so
   * every `sequoia:N` run of the bench uses the same tree shape, as Sequoia builds its tree from an offline profile).
   */
  freezeSequoiaAcceptance(): number[] {
    this.frozenAcceptance = this.sequoiaAcceptance();
    return this.frozenAcceptance;
  }

  private frozenAcceptance: number[] | null = null;

  /** Per-rank acceptance for Sequoia shapes: measured from the runs so far, the default where nothing was seen. */
  sequoiaAcceptance(): number[] {
    if (this.frozenAcceptance) return this.frozenAcceptance;
    if (this.observed.length === 0) return [...DEFAULT_SEQUOIA_ACCEPTANCE];
    const prior = { rates: DEFAULT_SEQUOIA_ACCEPTANCE, strength: DEFAULT_ACCEPTANCE_PRIOR.strength };
    return posteriorAcceptance(countAcceptanceByRank(this.observed.slice(-512), SEQUOIA_RANKS), prior);
  }

  /** Runs one generation; `auto` strategies get their budget from (and report their steps to) the live chooser. */
  async run(settings: RunSettings, onStep?: (step: StepRecord) => void): Promise<RunResult> {
    const auto = isAutoStrategy(settings.strategy) ? await this.chooser(settings.strategy) : null;
    const datastore = sourcesOf(settings.strategy).includes('corpus') ? (await this.datastore()).index : null;
    const steps: StepRecord[] = [];
    const start = nowMs();
    const result = await generate({
      draft: this.pair.draft.model,
      datastore,
      target: this.pair.target.model,
      prompt: settings.prompt,
      strategy: settings.strategy,
      params: settings.params,
      maxNewTokens: settings.maxNewTokens,
      seed: settings.seed,
      eosTokenIds: this.eos,
      vocab: Math.min(this.pair.tokenizer.vocabSize, this.pair.draft.model.vocabSize, this.pair.target.model.vocabSize),
      acceptance: this.sequoiaAcceptance(),
      calibration: this.calibrations.forRun(settings.strategy, settings.params),
      // Earlier runs, then (added by generate before every step) this run's steps so far.
      chooseBudget: auto ? asStrategyChooser(auto.chooser, () => auto.steps) : undefined,
      onStep: (step) => {
        steps.push(step);
        onStep?.(step);
      },
    });
    const wallMs = nowMs() - start;
    if (auto) auto.steps.push(...result.steps);
    if (settings.strategy.kind !== 'ar') this.observed.push(...result.steps);
    return {
      tokens: result.tokens,
      steps: result.steps,
      stopReason: result.stopReason,
      resolved: formatStrategy(result.strategy),
      chosenBudgets: result.chosenBudgets,
      wallMs,
    };
  }
}
