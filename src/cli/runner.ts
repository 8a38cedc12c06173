/**
 * One place where the commands call the engine: a `Runner` holds a loaded pair and its controller (core/controller.ts:
 * latency profiles, the `auto` choosers, Sequoia's acceptance and dyspec-cal's calibrations, kept across the runs of
 * this process), plus the corpus datastore `@corpus` strategies read, loaded on first use.
 */
import { PairController, type RunOutcome, type RunSettings as ControllerRunSettings } from '../core/controller';
import type { LatencyProfile } from '../core/latency';
import { parseStrategy, sourcesOf } from '../core/strategy';
import { type LoadedDatastore } from '../runtime/datastore';
import { openDatastore } from './datastore';
import type { CommandContext } from './command';
import { nowMs } from './io';
import { cachedLatency } from './latency';
import type { CliPair } from './models';
import { toSamplingParams } from './options';

/** The result of one generation as the commands use it (the controller's). */
export type RunResult = RunOutcome;

/** Settings of one generation (the Runner supplies the corpus datastore). */
export type RunSettings = Omit<ControllerRunSettings, 'datastore'>;

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

/** A loaded pair plus what the process has learned about it. */
export class Runner {
  readonly controller: PairController;

  constructor(
    readonly pair: CliPair,
    /** Called with progress lines (profiling), e.g. the command's stderr. */
    log: (line: string) => void = () => {},
    /** Loads the corpus datastore of `@corpus` strategies, asked the first time one runs. */
    private readonly loadDatastore: (() => Promise<LoadedDatastore>) | null = null,
  ) {
    const { draft, target, tokenizer } = pair;
    this.controller = new PairController({
      draft: draft.model,
      target: target.model,
      vocab: Math.min(tokenizer.vocabSize, draft.model.vocabSize, target.model.vocabSize),
      eosTokenIds: tokenizer.eosTokenIds,
      now: nowMs,
      // Memoised per model hash in this process, so `profile` and `bench` measure a model once.
      measure: (role, model, options) => {
        const m = pair[role];
        return cachedLatency({ hash: m.hash, backend: m.backend.backend, threads: m.backend.threads }, model, options);
      },
      log,
    });
  }

  private datastorePromise: Promise<LoadedDatastore> | null = null;

  /** The corpus datastore (loaded once, on first use). @throws when none can be had */
  datastore(): Promise<LoadedDatastore> {
    if (!this.loadDatastore) return Promise.reject(new Error('no corpus datastore is available to this command'));
    return (this.datastorePromise ??= this.loadDatastore());
  }

  /** Re-measures both profiles on the warm engine and re-prices the `auto` choosers (the benchmark, after warm-up). */
  reprofile(): Promise<{ target: LatencyProfile; draft: LatencyProfile | null }> {
    return this.controller.reprofile();
  }

  /** Fixes Sequoia's per-rank acceptance to what was measured so far (the benchmark, after its warm-up). */
  freezeSequoiaAcceptance(): number[] {
    return this.controller.freezeSequoiaAcceptance();
  }

  /** Where `ar` runs' steps reach the `auto` choosers (the benchmark holds them until each unit ends). */
  lendStepsAt(point: 'run' | 'unit'): void {
    this.controller.lendStepsAt(point);
  }

  /** A benchmark unit is over: the held steps reach the choosers. */
  endUnit(): void {
    this.controller.endUnit();
  }

  /** Runs one generation through the controller (the corpus datastore loaded first when the strategy reads it). */
  async run(settings: RunSettings): Promise<RunResult> {
    const datastore = sourcesOf(settings.strategy).includes('corpus') ? (await this.datastore()).index : null;
    return this.controller.run({ ...settings, datastore });
  }
}
