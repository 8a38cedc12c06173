/**
 * Run slice: the run on screen (live from the engine, or replayed from an imported trace), its streamed steps,
 * the step the tree view shows, step-by-step mode, and the autoregressive baselines that speedups are measured
 * against.
 */
import type { StateCreator } from 'zustand';
import { computeMetrics, type Metrics } from '../core/metrics';
import type { StepRecord } from '../core/step';
import type { RequestHandle } from '../worker/client';
import type { ComparePosition, DecodeSettings, LoadResult, RunResult } from '../worker/protocol';
import type { AppState, StoreDeps } from './app-state';
import { datastoreBlocker } from './datastore-slice';
import { frameCoalescer, STREAM_INTERVAL_MS } from './frame-batch';
import { errorText } from './models-slice';
import { runBlocker } from './run-blockers';
import type { Settings } from './settings';

/** Where a run stands. `waiting`: a step-mode run parked before its next target call. */
export type RunStatus = 'idle' | 'loading' | 'running' | 'waiting' | 'done' | 'stopped' | 'error';

/** A model as a run records it. */
export interface ModelRef {
  id: string;
  hash: string;
}

/** Everything the tree, output and metrics views draw; the same shape for a live run and a replayed trace. */
export interface RunView {
  source: 'live' | 'trace';
  strategy: string;
  /** The strategy that ran, `auto` budgets resolved (null until known). */
  resolvedStrategy: string | null;
  settings: DecodeSettings & { backend: string };
  models: { draft: ModelRef | null; target: ModelRef };
  promptText: string;
  promptIds: number[];
  steps: StepRecord[];
  /** New tokens so far. */
  tokens: number[];
  /** Decoded output (set when the run ends; live runs build it from token texts meanwhile). */
  text: string;
  /** Null while the run is going. */
  stopReason: string | null;
  /** Wall time of the whole run (null while it is going). */
  elapsedMs: number | null;
  /** Text of each token id (the whole vocabulary for live runs; the tokens used, for traces). */
  tokenTexts: Readonly<Record<number, string>>;
  createdAt: string;
  /** Which autoregressive baseline this run's speedup is measured against (null for replayed traces). */
  baselineKey: string | null;
  /** `auto` strategies: the budget chosen before each step (0: target only). */
  chosenBudgets?: number[];
  /** A comparison's run: where it sat in the benchmark protocol. */
  position?: ComparePosition;
}

/** State and actions of the run slice. */
export interface RunSlice {
  runStatus: RunStatus;
  run: RunView | null;
  /** Step shown by the tree view; null follows the latest step. */
  selectedStep: number | null;
  runError: string | null;
  stepMode: boolean;
  /** Autoregressive metrics by baselineKey, for speedups. */
  baselines: Record<string, Metrics>;
  /** True while an autoregressive baseline is being measured in the background. */
  baselineRunning: boolean;
  /** Loads the models if needed and generates with the current settings. */
  startRun(): Promise<void>;
  /** Stops the run (within one step) or the model load it is waiting on. */
  stopRun(): void;
  /** Step-by-step mode: lets the run make its next target call. */
  nextStep(): void;
  setStepMode(on: boolean): void;
  selectStep(index: number | null): void;
  /** Runs the autoregressive baseline for the current settings without replacing the run on screen. */
  measureBaseline(): Promise<void>;
}

/** Identifies runs whose speed is comparable: same models, backend, prompt and decoding settings. */
export function baselineKey(
  models: { target: string; backend: string },
  s: Pick<Settings, 'prompt' | 'chat' | 'temperature' | 'topP' | 'topK' | 'seed' | 'maxNewTokens'>,
): string {
  return JSON.stringify([
    models.target,
    models.backend,
    s.prompt,
    s.chat,
    s.temperature,
    s.topP,
    s.topK,
    s.seed,
    s.maxNewTokens,
  ]);
}

/**
 * The error of the run on screen when that run failed before finishing (a live run with no stop reason), which the
 * tree and metrics views show in their place; null otherwise (a failed model load leaves the previous run, finished).
 */
export function failedRunError(s: Pick<AppState, 'runStatus' | 'run' | 'runError'>): string | null {
  if (s.runStatus !== 'error' || !s.run || s.run.source !== 'live' || s.run.stopReason !== null) return null;
  return s.runError ?? 'the run failed';
}

/** The baseline key of the current settings and loaded pair (null before any pair is loaded). */
export function currentBaselineKey(state: Pick<AppState, 'settings' | 'loaded'>): string | null {
  const { loaded, settings } = state;
  if (!loaded) return null;
  return baselineKey({ target: loaded.target.id, backend: loaded.backend.backend }, settings);
}

function decodeSettingsOf(s: Settings): DecodeSettings {
  return { temperature: s.temperature, topP: s.topP, topK: s.topK, seed: s.seed, maxNewTokens: s.maxNewTokens };
}

/** A fresh live run view for the loaded pair. */
function liveView(settings: Settings, loaded: LoadResult, now: () => Date, key: string | null): RunView {
  return {
    source: 'live',
    strategy: settings.strategy,
    resolvedStrategy: null,
    settings: { ...decodeSettingsOf(settings), backend: loaded.backend.backend },
    models: {
      draft: settings.strategy === 'ar' ? null : { id: loaded.draft.id, hash: loaded.draft.hash },
      target: { id: loaded.target.id, hash: loaded.target.hash },
    },
    promptText: settings.prompt,
    promptIds: [],
    steps: [],
    tokens: [],
    text: '',
    stopReason: null,
    elapsedMs: null,
    tokenTexts: loaded.vocab,
    createdAt: now().toISOString(),
    baselineKey: key,
  };
}

/** The run with `steps` appended (and their emitted tokens): one copy of each array per batch, not per step. */
export function withSteps(run: RunView, steps: readonly StepRecord[]): RunView {
  const tokens = [...run.tokens];
  for (const step of steps) for (const id of step.emitted) tokens.push(id);
  return { ...run, steps: [...run.steps, ...steps], tokens };
}

/** Creates the run slice over an engine client. */
export const createRunSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], RunSlice> =>
  (set, get) => {
    let handle: RequestHandle<RunResult> | null = null;
    let stopRequested = false;
    const now = deps.now ?? (() => new Date());

    // The live run's streamed steps, applied in one update per frame at most (and per STREAM_INTERVAL_MS).
    const steps = frameCoalescer<StepRecord>((batch) => set((s) => (s.run ? { run: withSteps(s.run, batch) } : {})), {
      scheduler: deps.frames,
      minIntervalMs: STREAM_INTERVAL_MS,
    });

    const finish = (result: RunResult): void =>
      set((s) => {
        if (!s.run) return {};
        const run: RunView = {
          ...s.run,
          resolvedStrategy: result.resolvedStrategy,
          promptText: result.promptText,
          promptIds: result.promptIds,
          tokens: result.tokens,
          text: result.text,
          stopReason: result.stopReason,
          elapsedMs: result.elapsedMs,
        };
        return { run, runStatus: result.stopped ? 'stopped' : 'done' };
      });

    return {
      runStatus: 'idle',
      run: null,
      selectedStep: null,
      runError: null,
      stepMode: false,
      baselines: {},
      baselineRunning: false,

      startRun: async () => {
        const status = get().runStatus;
        if (status === 'loading' || status === 'running' || status === 'waiting') return;
        // An invalid field (by name) or a missing datastore: the buttons are disabled then, but Ctrl+Enter and
        // callers outside the page reach this too.
        const waiting = runBlocker(get(), 'run');
        if (waiting) {
          set({ runError: waiting });
          return;
        }
        stopRequested = false;
        set({ runStatus: 'loading', runError: null });
        const loaded = await get().loadModels();
        if (!loaded || stopRequested) {
          set({ runStatus: stopRequested ? 'stopped' : 'error', runError: stopRequested ? null : get().modelError });
          return;
        }
        // Known only now that the pair is loaded: whether its target ships a datastore. Say so instead of failing.
        const blocked = datastoreBlocker([get().settings.strategy], get());
        if (blocked) {
          set({ runStatus: 'idle', runError: blocked });
          return;
        }
        const settings = get().settings;
        const key = currentBaselineKey(get());
        set((s) => ({
          run: liveView(settings, loaded, now, key),
          runStatus: 'running',
          selectedStep: null,
          view: 'run',
          // A replayed trace's notice no longer describes what is on screen.
          ...(s.importNoticeFor === 'run' ? { importNotice: null, importNoticeFor: null } : {}),
        }));
        const h = deps.client.generate(
          {
            ...decodeSettingsOf(settings),
            prompt: settings.prompt,
            chat: settings.chat,
            strategy: settings.strategy,
            stepMode: get().stepMode,
          },
          {
            // Steps are applied once per frame, not once per message: see frame-batch.ts.
            onStep: (step) => steps.push(step),
            onWaiting: () => {
              steps.flush(); // the step the run paused after is on screen before "paused"
              set({ runStatus: 'waiting' });
            },
          },
        );
        handle = h;
        try {
          const result = await h.done;
          steps.flush();
          finish(result);
          // The speedup in the run's summary line needs `ar` on the same prompt and settings: measure it now
          // rather than show a dash until someone presses the button.
          if (result.strategy !== 'ar' && !result.stopped && key && !get().baselines[key])
            await get().measureBaseline();
          if (result.strategy === 'ar' && !result.stopped && key) {
            const metrics = computeMetrics(get().run?.steps ?? [], result.elapsedMs);
            set((s) => ({ baselines: { ...s.baselines, [key]: metrics } }));
          }
        } catch (e) {
          steps.flush();
          set({ runStatus: 'error', runError: errorText(e) });
        } finally {
          if (handle === h) handle = null;
        }
      },

      stopRun: () => {
        stopRequested = true;
        if (handle) handle.stop();
        else if (get().runStatus === 'loading') get().cancelLoad();
      },

      nextStep: () => {
        if (handle && get().runStatus === 'waiting') {
          set({ runStatus: 'running' });
          handle.next();
        }
      },

      setStepMode: (on) => {
        set({ stepMode: on });
        // Turning step mode off mid-run lets the run go on to the end without pausing again.
        if (!on && handle) {
          if (get().runStatus === 'waiting') set({ runStatus: 'running' });
          handle.next(true);
        }
      },

      selectStep: (index) => set({ selectedStep: index }),

      measureBaseline: async () => {
        const status = get().runStatus;
        if (get().baselineRunning || status === 'loading' || status === 'running' || status === 'waiting') return;
        const blocked = runBlocker(get(), 'baseline');
        if (blocked) {
          set({ runError: `autoregressive baseline: ${blocked}` });
          return;
        }
        set({ baselineRunning: true, runError: null });
        try {
          const loaded = await get().loadModels();
          if (!loaded) return;
          const settings = get().settings;
          const key = currentBaselineKey(get());
          const steps: StepRecord[] = [];
          const h = deps.client.generate(
            {
              ...decodeSettingsOf(settings),
              prompt: settings.prompt,
              chat: settings.chat,
              strategy: 'ar',
              stepMode: false,
            },
            { onStep: (step) => steps.push(step) },
          );
          const result = await h.done;
          if (key && !result.stopped) {
            set((s) => ({ baselines: { ...s.baselines, [key]: computeMetrics(steps, result.elapsedMs) } }));
          }
        } catch (e) {
          set({ runError: `autoregressive baseline: ${errorText(e)}` });
        } finally {
          set({ baselineRunning: false });
        }
      },
    };
  };
