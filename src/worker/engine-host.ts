/**
 * The engine side of the protocol: loads a model pair and runs generations and comparisons, answering each request
 * with events. It holds no DOM or worker globals, so the same code runs inside the Web Worker (engine.worker.ts)
 * and on the main thread in tests (client.ts's in-process client).
 */
import { DEFAULT_WARMUP, planStrategies, runBenchmark, type BenchSubject } from '../core/benchmark/protocol';
import { summariseBench } from '../core/benchmark/summary';
import { PairController, type ControllerDeps, type RunOutcome } from '../core/controller';
import { InvalidSettingError } from '../core/errors';
import type { SamplingParams } from '../core/sampling';
import type { StepRecord } from '../core/step';
import { parseStrategy, sourcesOf, type Strategy } from '../core/strategy';
import { datastoreFromUser, type LoadedDatastore } from '../runtime/datastore';
import type { LoadedModel, LoadProgress, TextTokenizer } from '../runtime/types';
import { measureWithProgress, PhaseReporter } from './phase';
import { loopYielder } from './yield-loop';
import {
  toErrorInfo,
  type CompareRequest,
  type DatastoreSummary,
  type DecodeSettings,
  type EngineEvent,
  type EngineRequest,
  type GenerateRequest,
  type LoadRequest,
  type LoadResult,
  type RunResult,
} from './protocol';

/** A loaded draft/target pair and the tokenizer they share. */
export interface LoadedPair {
  draft: LoadedModel;
  target: LoadedModel;
  tokenizer: TextTokenizer;
}

/** What the host needs from the outside world; tests inject fakes (a table-driven model pair, a fixed clock). */
export interface HostDeps {
  loadPair(
    req: LoadRequest,
    options: { onProgress: (p: LoadProgress) => void; signal: AbortSignal },
  ): Promise<LoadedPair>;
  /**
   * The corpus datastore the target folder of `req` ships, indexed (`onIndex`: fraction done); null when it has none.
   * Absent: no shipped datastore is looked for.
   */
  loadDatastore?(
    req: LoadRequest,
    options: { onProgress: (p: LoadProgress) => void; onIndex: (fraction: number) => void; signal: AbortSignal },
  ): Promise<LoadedDatastore | null>;
  /** Milliseconds, monotonic. */
  now(): number;
}

/** Sends one event to the page. */
export type Emit = (event: EngineEvent) => void;

/** A request in flight that `stop` can abort and `next` can release. */
interface Active {
  controller: AbortController;
  /** Set while a step-mode run waits before its next target call. */
  release: (() => void) | null;
  /** Cleared by a `next` with `resume`: the run stops parking. */
  stepMode: boolean;
}

/** Tokens of each warm-up run of a comparison (the rounds repeat until the step time is stable). */
const COMPARE_WARMUP_TOKENS = 16;

/** The loaded pair with what belongs to it: its adaptive controller, and the corpus datastore tokenized for it. */
interface HeldPair {
  key: string;
  value: LoadedPair;
  controller: PairController;
  datastore: LoadedDatastore | null;
  /** Why the shipped datastore could not be used, if it could not. */
  datastoreError: string | null;
}

/** What the page is told about a datastore (the index itself stays in the engine). */
export function datastoreSummary(d: LoadedDatastore): DatastoreSummary {
  return { label: d.label, tokens: d.tokens, buildMs: d.buildMs, memoryBytes: d.memoryBytes };
}

/** Runs engine requests; one model pair is loaded at a time and one run uses it at a time. */
export class EngineHost {
  private pair: HeldPair | null = null;
  private readonly active = new Map<number, Active>();
  /** Id of the run or comparison using the models, if any (runs share the models' caches, so they cannot overlap). */
  private runningId: number | null = null;
  /** The phase of that run or comparison (profiling reports through it). */
  private phases: PhaseReporter | null = null;

  constructor(
    private readonly emit: Emit,
    private readonly deps: HostDeps,
  ) {}

  /** Handles one request. Never throws: failures become `error` events for that request id. */
  handle(req: EngineRequest): void {
    switch (req.type) {
      case 'load':
        void this.track(req.id, (signal) => this.load(req.id, req.load, signal));
        return;
      case 'generate':
        void this.track(req.id, (signal) => this.generate(req.id, req.run, signal));
        return;
      case 'compare':
        void this.track(req.id, (signal) => this.compare(req.id, req.compare, signal));
        return;
      case 'datastore':
        void this.track(req.id, () => this.buildDatastore(req.id, req.content, req.label));
        return;
      case 'next':
        this.next(req.id, req.resume ?? false);
        return;
      case 'stop':
        this.stop(req.id);
        return;
    }
  }

  private next(id: number, resume: boolean): void {
    const a = this.active.get(id);
    if (a && resume) a.stepMode = false;
    a?.release?.();
  }

  private stop(id: number): void {
    const a = this.active.get(id);
    if (!a) return;
    a.controller.abort();
    a.release?.(); // a step-mode run parked before its next step must wake up to see the abort
  }

  private async track(id: number, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const active: Active = { controller: new AbortController(), release: null, stepMode: true };
    this.active.set(id, active);
    try {
      await work(active.controller.signal);
    } catch (e) {
      this.emit({ type: 'error', id, error: toErrorInfo(e) });
    } finally {
      this.active.delete(id);
    }
  }

  private async load(id: number, req: LoadRequest, signal: AbortSignal): Promise<void> {
    const key = JSON.stringify([req.draft, req.target, req.backend, req.baseUrl]);
    const t0 = this.deps.now();
    if (this.pair?.key !== key) {
      if (this.runningId !== null) throw new Error('a run is in progress: stop it before loading other models');
      const old = this.pair;
      this.pair = null; // a failed load must not leave the previous pair half-replaced
      this.emit({ type: 'phase', id, phase: { kind: 'loading' } });
      if (old) await releasePair(old.value);
      const value = await this.deps.loadPair(req, {
        signal,
        onProgress: (progress) => this.emit({ type: 'progress', id, progress }),
      });
      const shipped = await this.shippedDatastore(id, req, signal);
      const measure = measureWithProgress((role, done, total) => this.phases?.profiling(role, done, total));
      this.pair = { key, value, controller: controllerFor(value, this.deps.now, measure), ...shipped };
    }
    const { draft, target, tokenizer } = this.pair.value;
    const vocab: string[] = new Array<string>(tokenizer.vocabSize);
    for (let i = 0; i < tokenizer.vocabSize; i++) vocab[i] = tokenizer.tokenText(i);
    const result: LoadResult = {
      draft: { id: draft.id, hash: draft.hash, config: draft.config },
      target: { id: target.id, hash: target.hash, config: target.config },
      backend: target.backend,
      vocab,
      eosTokenIds: [...tokenizer.eosTokenIds],
      hasChatTemplate: tokenizer.applyChatTemplate !== null,
      elapsedMs: this.deps.now() - t0,
      datastore: this.pair.datastore ? datastoreSummary(this.pair.datastore) : null,
      datastoreError: this.pair.datastoreError,
    };
    this.emit({ type: 'loaded', id, result });
  }

  /**
   * The datastore the target folder ships, if any. Only an abort fails the load: the models work without a
   * datastore, so a broken file is reported (`datastoreError`) instead.
   */
  private async shippedDatastore(
    id: number,
    req: LoadRequest,
    signal: AbortSignal,
  ): Promise<{ datastore: LoadedDatastore | null; datastoreError: string | null }> {
    if (!this.deps.loadDatastore) return { datastore: null, datastoreError: null };
    try {
      const datastore = await this.deps.loadDatastore(req, {
        signal,
        onProgress: (progress) => this.emit({ type: 'progress', id, progress }),
        onIndex: (fraction) => this.emit({ type: 'datastore-progress', id, stage: 'index', fraction }),
      });
      return { datastore, datastoreError: null };
    } catch (e) {
      if (signal.aborted) throw e;
      const { name, message } = toErrorInfo(e);
      return { datastore: null, datastoreError: `${name === 'Error' ? '' : `${name}: `}${message}` };
    }
  }

  /** Builds a datastore from the user's text or file with the pair's tokenizer; it replaces the one held. */
  private async buildDatastore(id: number, content: string | Uint8Array, label: string): Promise<void> {
    const held = this.pair;
    if (!held)
      throw new Error('no models are loaded: a datastore is tokenized with the pair’s tokenizer, load it first');
    if (this.runningId !== null) throw new Error('a run is in progress: stop it before building a datastore');
    const built = await datastoreFromUser(content, held.value.tokenizer, {
      label,
      now: () => this.deps.now(),
      onProgress: (stage, fraction) => this.emit({ type: 'datastore-progress', id, stage, fraction }),
    });
    if (this.pair !== held) throw new Error('other models were loaded meanwhile: build the datastore again');
    held.datastore = built;
    held.datastoreError = null;
    this.emit({ type: 'datastore-built', id, result: datastoreSummary(built) });
  }

  /** Marks request `id` as the one using the models; returns its phase reporter. */
  private claim(id: number): PhaseReporter {
    this.runningId = id;
    this.phases = new PhaseReporter((phase) => this.emit({ type: 'phase', id, phase }), this.deps.now);
    return this.phases;
  }

  private release(): void {
    this.runningId = null;
    this.phases = null;
  }

  private requirePair(): HeldPair {
    if (!this.pair) throw new Error('no models are loaded: load a model pair first');
    if (this.runningId !== null) throw new Error('another run is in progress: stop it first');
    return this.pair;
  }

  private async generate(id: number, req: GenerateRequest, signal: AbortSignal): Promise<void> {
    const pair = this.requirePair();
    const [strategy] = parseRunnable(pair, [req.strategy]);
    this.claim(id);
    try {
      const active = this.active.get(id);
      const yielder = loopYielder(this.deps.now);
      const onStep = async (step: StepRecord): Promise<void> => {
        this.emit({ type: 'step', id, step, run: 0 });
        if (!req.stepMode || !active?.stepMode || signal.aborted) return yielder();
        // Step-by-step: park until the page sends `next` (or `stop`) before the next target call.
        this.emit({ type: 'waiting', id, stepIndex: step.index });
        await new Promise<void>((resolve) => {
          active.release = resolve;
        });
        active.release = null;
      };
      const prompt = promptOf(pair.value.tokenizer, req.prompt, req.chat);
      const outcome = await pair.controller.run({
        prompt: prompt.ids,
        strategy,
        params: decodeParams(req),
        maxNewTokens: req.maxNewTokens,
        seed: req.seed,
        datastore: pair.datastore?.index ?? null,
        signal,
        onStep,
      });
      this.emit({ type: 'done', id, result: runResult(pair, req.strategy, prompt, outcome, signal.aborted) });
    } finally {
      this.release();
    }
  }

  /** A comparison: core's benchmark protocol (the one `cli bench` runs) on the held pair's controller. */
  private async compare(id: number, req: CompareRequest, signal: AbortSignal): Promise<void> {
    const pair = this.requirePair();
    parseRunnable(pair, req.strategies);
    const prompts = req.prompts.map((p) => promptOf(pair.value.tokenizer, p, req.chat));
    const yielder = loopYielder(this.deps.now);
    const subject: BenchSubject = {
      run: (settings) =>
        pair.controller.run({ ...settings, datastore: pair.datastore?.index ?? null, onStep: yielder }),
      freezeSequoiaAcceptance: () => pair.controller.freezeSequoiaAcceptance(),
      reprofile: () => pair.controller.reprofile(),
      lendStepsAt: (point) => pair.controller.lendStepsAt(point),
      endUnit: () => pair.controller.endUnit(),
    };
    const params = decodeParams(req);
    const autoSweep = req.autoSweep ?? [];
    const added = new Map(planStrategies(req.strategies, autoSweep).map((p) => [p.text, p.added]));
    const phases = this.claim(id);
    phases.set({ kind: 'warmup', round: 1 });
    try {
      const record = await runBenchmark(
        subject,
        {
          strategies: req.strategies,
          prompts: prompts.map((p) => p.ids),
          maxNewTokens: req.maxNewTokens,
          params,
          seed: req.seed,
          autoSweep,
          repeats: req.repeats ?? 1,
          warmup: { ...DEFAULT_WARMUP, tokens: Math.min(COMPARE_WARMUP_TOKENS, req.maxNewTokens) },
        },
        {
          signal,
          onProgress: (p) => {
            if (p.phase === 'warmup') {
              this.emit({ type: 'compare-warmup', id, round: p.round, msPerToken: p.msPerToken });
              phases.set({ kind: 'warmup', round: p.round + 1 });
            }
            if (p.phase === 'profile') phases.set(null); // the warm-up is over; the re-profile reports itself
            if (p.phase !== 'measure') return;
            const { run } = p;
            const result = runResult(pair, run.strategy, prompts[run.prompt], run.outcome, false);
            const position = {
              prompt: run.prompt,
              repeat: run.repeat,
              order: run.order,
              added: added.get(run.strategy) ?? false,
            };
            const steps = run.outcome.steps;
            this.emit({ type: 'compare-run', id, run: p.done - 1, total: p.total, position, result, steps });
          },
        },
      );
      const bench = summariseBench(record, { params, seed: req.seed });
      this.emit({ type: 'compared', id, result: { stopped: record.stopped, bench } });
    } finally {
      this.release();
    }
  }
}

/** A prompt as the model sees it: the chat template applied when asked for and the tokenizer has one. */
interface EncodedPrompt {
  text: string;
  ids: number[];
}

function promptOf(tokenizer: TextTokenizer, prompt: string, chat: boolean): EncodedPrompt {
  const text =
    chat && tokenizer.applyChatTemplate ? tokenizer.applyChatTemplate([{ role: 'user', content: prompt }]) : prompt;
  return { text, ids: tokenizer.encode(text) };
}

function decodeParams(s: DecodeSettings): SamplingParams {
  return { temperature: s.temperature, topP: s.topP, topK: s.topK };
}

/** The page's view of one finished (or stopped) generation. */
function runResult(
  pair: HeldPair,
  strategy: string,
  prompt: EncodedPrompt,
  outcome: RunOutcome,
  stopped: boolean,
): RunResult {
  return {
    strategy,
    resolvedStrategy: outcome.resolved,
    chosenBudgets: outcome.chosenBudgets,
    promptIds: prompt.ids,
    promptText: prompt.text,
    tokens: outcome.tokens,
    text: pair.value.tokenizer.decode(outcome.tokens),
    stopReason: stopped ? 'stopped' : outcome.stopReason,
    elapsedMs: outcome.wallMs,
    stopped,
  };
}

/**
 * Parses strategy texts before any work, failing on the first bad one (naming it) or on a `@corpus` one while the
 * pair holds no datastore.
 */
function parseRunnable(pair: HeldPair, texts: readonly string[]): Strategy[] {
  return texts.map((text) => {
    const strategy = parseStrategy(text);
    if (sourcesOf(strategy).includes('corpus') && !pair.datastore) throw noDatastore(text);
    return strategy;
  });
}

function noDatastore(strategy: string): InvalidSettingError {
  return new InvalidSettingError(
    'datastore',
    `strategy ${strategy} drafts from a corpus datastore, and none is loaded: the target ships none, so build one ` +
      'from a text first',
  );
}

/**
 * The pair's adaptive controller: distributions over real tokens only (not embedding padding rows), as the CLI's
 * runner does, so the same settings give the same text.
 */
function controllerFor(pair: LoadedPair, now: () => number, measure: ControllerDeps['measure']): PairController {
  const { draft, target, tokenizer } = pair;
  return new PairController({
    measure,
    draft: draft.model,
    target: target.model,
    vocab: Math.min(tokenizer.vocabSize, draft.model.vocabSize, target.model.vocabSize),
    eosTokenIds: tokenizer.eosTokenIds,
    now,
  });
}

/** Frees a pair's onnxruntime sessions (and GPU buffers) where the model owns any. */
async function releasePair(pair: LoadedPair): Promise<void> {
  for (const m of [pair.draft.model, pair.target.model]) {
    const disposable = m as { dispose?: () => Promise<void> };
    await disposable.dispose?.().catch(() => undefined); // a failed release must not block loading the next pair
  }
}
