/**
 * The engine side of the protocol: loads a model pair and runs generations and comparisons, answering each request
 * with events. It holds no DOM or worker globals, so the same code runs inside the Web Worker (engine.worker.ts)
 * and on the main thread in tests (client.ts's in-process client).
 */
import { InvalidSettingError } from '../core/errors';
import { generate } from '../core/generate';
import type { StepRecord } from '../core/step';
import { formatStrategy, parseStrategy, sourcesOf } from '../core/strategy';
import { datastoreFromUser, type LoadedDatastore } from '../runtime/datastore';
import type { LoadedModel, LoadProgress, TextTokenizer } from '../runtime/types';
import { AutoBudgets } from './auto-budget';
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

/** Tokens of a warm-up run before a comparison (JIT, WASM and kernel warm-up would otherwise skew the first row). */
const WARMUP_TOKENS = 4;

/** The loaded pair with what belongs to it: the auto-budget state, and the corpus datastore tokenized for it. */
interface HeldPair {
  key: string;
  value: LoadedPair;
  auto: AutoBudgets;
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
      if (old) await releasePair(old.value);
      const value = await this.deps.loadPair(req, {
        signal,
        onProgress: (progress) => this.emit({ type: 'progress', id, progress }),
      });
      const vocab = Math.min(value.tokenizer.vocabSize, value.draft.model.vocabSize, value.target.model.vocabSize);
      const auto = new AutoBudgets(value.draft.model, value.target.model, vocab, this.deps.now);
      const shipped = await this.shippedDatastore(id, req, signal);
      this.pair = { key, value, auto, ...shipped };
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

  private requirePair(): RunPair {
    if (!this.pair) throw new Error('no models are loaded: load a model pair first');
    if (this.runningId !== null) throw new Error('another run is in progress: stop it first');
    return { ...this.pair.value, auto: this.pair.auto, datastore: this.pair.datastore };
  }

  private async generate(id: number, req: GenerateRequest, signal: AbortSignal): Promise<void> {
    const pair = this.requirePair();
    this.runningId = id;
    try {
      const active = this.active.get(id);
      const onStep = async (step: StepRecord): Promise<void> => {
        this.emit({ type: 'step', id, step, run: 0 });
        if (!req.stepMode || !active?.stepMode || signal.aborted) return;
        // Step-by-step: park until the page sends `next` (or `stop`) before the next target call.
        this.emit({ type: 'waiting', id, stepIndex: step.index });
        await new Promise<void>((resolve) => {
          active.release = resolve;
        });
        active.release = null;
      };
      const { result } = await this.runOnce(pair, req, req.strategy, req.maxNewTokens, signal, onStep);
      this.emit({ type: 'done', id, result });
    } finally {
      this.runningId = null;
    }
  }

  private async compare(id: number, req: CompareRequest, signal: AbortSignal): Promise<void> {
    const pair = this.requirePair();
    if (req.strategies.length === 0) throw new Error('compare needs at least one strategy');
    if (req.prompts.length === 0) throw new Error('compare needs at least one prompt');
    for (const s of req.strategies) {
      // Fail before any work, naming the bad entry.
      if (sourcesOf(parseStrategy(s)).includes('corpus') && !pair.datastore) throw noDatastore(s);
    }
    this.runningId = id;
    try {
      const warm = [...new Set(['ar', req.strategies.find((s) => s !== 'ar') ?? 'ar'])];
      for (const s of warm) {
        if (signal.aborted) break;
        const first = { ...req, prompt: req.prompts[0] };
        await this.runOnce(pair, first, s, Math.min(WARMUP_TOKENS, req.maxNewTokens), signal, () => undefined);
      }
      const runs: { result: RunResult; steps: StepRecord[] }[] = [];
      const jobs = req.strategies.flatMap((strategy) => req.prompts.map((prompt) => ({ strategy, prompt })));
      for (const job of jobs) {
        if (signal.aborted) break;
        const settings = { ...req, prompt: job.prompt };
        const noop = (): void => undefined;
        const { result, steps } = await this.runOnce(pair, settings, job.strategy, req.maxNewTokens, signal, noop);
        if (result.stopped) break;
        this.emit({ type: 'compare-run', id, run: runs.length, result, steps });
        runs.push({ result, steps });
      }
      this.emit({ type: 'compared', id, result: { runs, stopped: signal.aborted } });
    } finally {
      this.runningId = null;
    }
  }

  /** One generation from a fresh cache; returns the result and every step record. */
  private async runOnce(
    pair: RunPair,
    settings: DecodeSettings & { prompt: string; chat: boolean },
    strategyText: string,
    maxNewTokens: number,
    signal: AbortSignal,
    onStep: (step: StepRecord) => void | Promise<void>,
  ): Promise<{ result: RunResult; steps: StepRecord[] }> {
    const strategy = parseStrategy(strategyText);
    const { tokenizer } = pair;
    const promptText =
      settings.chat && tokenizer.applyChatTemplate
        ? tokenizer.applyChatTemplate([{ role: 'user', content: settings.prompt }])
        : settings.prompt;
    const promptIds = tokenizer.encode(promptText);
    const auto = await pair.auto.forStrategy(strategy); // profiles the device on first use (not timed as the run)
    const params = { temperature: settings.temperature, topP: settings.topP, topK: settings.topK };
    const steps: StepRecord[] = [];
    const t0 = this.deps.now();
    let resolved = strategyText;
    let tokens: number[];
    let stopReason = 'stopped';
    try {
      const out = await generate({
        draft: pair.draft.model,
        target: pair.target.model,
        datastore: pair.datastore?.index ?? null,
        prompt: promptIds,
        strategy,
        params,
        maxNewTokens,
        seed: settings.seed,
        eosTokenIds: tokenizer.eosTokenIds,
        // Distributions over real tokens only (not embedding padding rows), as the CLI does: same settings, same text.
        vocab: Math.min(tokenizer.vocabSize, pair.draft.model.vocabSize, pair.target.model.vocabSize),
        signal,
        chooseBudget: auto?.chooseBudget,
        acceptance: pair.auto.sequoiaAcceptance(),
        calibration: pair.auto.calibrations.forRun(strategy, params),
        onStep: (step: StepRecord) => {
          steps.push(step);
          return onStep(step);
        },
      });
      tokens = out.tokens;
      stopReason = out.stopReason;
      resolved = formatStrategy(out.strategy);
    } catch (e) {
      if (!signal.aborted) throw e;
      tokens = steps.flatMap((s) => s.emitted); // stopped mid-run: keep what the finished steps produced
    }
    auto?.record(steps);
    if (strategy.kind !== 'ar' && !signal.aborted) pair.auto.observe(steps);
    const stopped = signal.aborted;
    const result: RunResult = {
      strategy: strategyText,
      resolvedStrategy: resolved,
      promptIds,
      promptText,
      tokens,
      text: tokenizer.decode(tokens),
      stopReason: stopped ? 'stopped' : stopReason,
      elapsedMs: this.deps.now() - t0,
      stopped,
    };
    return { result, steps };
  }
}

/** What a run reads: the pair, its auto-budget state and its corpus datastore. */
type RunPair = LoadedPair & { auto: AutoBudgets; datastore: LoadedDatastore | null };

function noDatastore(strategy: string): InvalidSettingError {
  return new InvalidSettingError(
    'datastore',
    `strategy ${strategy} drafts from a corpus datastore, and none is loaded: the target ships none, so build one ` +
      'from a text first',
  );
}

/** Frees a pair's onnxruntime sessions (and GPU buffers) where the model owns any. */
async function releasePair(pair: LoadedPair): Promise<void> {
  for (const m of [pair.draft.model, pair.target.model]) {
    const disposable = m as { dispose?: () => Promise<void> };
    await disposable.dispose?.().catch(() => undefined); // a failed release must not block loading the next pair
  }
}
