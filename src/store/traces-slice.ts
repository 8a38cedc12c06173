/**
 * Traces slice: the comparison (runs of several strategies on one prompt), which view is on screen, and trace
 * import/export. An import that fails validation only sets `importError`: nothing else in the store changes.
 */
import type { StateCreator } from 'zustand';
import type { BenchResult } from '../core/benchmark/summary';
import type { StepRecord } from '../core/step';
import type { CompareRunEvent, RequestHandle } from '../worker/client';
import type { CompareResult, RunResult } from '../worker/protocol';
import type { AppState, StoreDeps } from './app-state';
import { datastoreBlocker } from './datastore-slice';
import { errorText } from './models-slice';
import { invalidFieldsReason } from './run-blockers';
import type { RunView } from './run-slice';
import { checkStrategyList, comparisonPrompts, sweepBudgets, type Settings } from './settings';
import { comparisonTraceOf, exportTraceText, importTraceText, runTraceOf, runViewOf } from './trace-io';

/** Which main view is on screen. */
export type MainView = 'run' | 'compare';

/** Where a comparison stands. */
export type CompareStatus = 'idle' | 'loading' | 'running' | 'done' | 'stopped' | 'error';

/** Where a running comparison is: warming up (round r), or measuring (run k of total). */
export type CompareProgress = { phase: 'warmup'; round: number } | { phase: 'measure'; done: number; total: number };

/** A comparison: the runs of several strategies on the same prompts and settings, by the benchmark protocol. */
export interface ComparisonView {
  source: 'live' | 'trace';
  createdAt: string;
  /** Strategies requested (runs may be fewer while running or after a stop). */
  strategies: string[];
  /** Prompts every strategy runs on. */
  prompts: string[];
  /** Times every (prompt, strategy) runs. */
  repeats: number;
  /** Measured runs in the order they ran (warm-up runs are not kept). */
  runs: RunView[];
  /** Rows the protocol added (the `ar` baseline, `auto` sweep budgets). */
  added: string[];
  /** ms per token of each warm-up round the engine reported. */
  warmup: number[];
  progress: CompareProgress | null;
  /** The engine's result document (`cli bench`'s format), once the comparison ended; null before, and for traces. */
  bench: BenchResult | null;
  /** The latency profiles behind the speed explanation: the engine's (live) or the trace's; null when neither has one. */
  profile: BenchResult['profile'] | null;
}

/** State and actions of the traces slice. */
export interface TracesSlice {
  view: MainView;
  compareStatus: CompareStatus;
  comparison: ComparisonView | null;
  compareError: string | null;
  /** Why the last import was refused (names the field at fault). */
  importError: string | null;
  /** What the last successful import loaded. */
  importNotice: string | null;
  /** Which view the import notice is about: a live run or comparison replacing that view's trace clears it. */
  importNoticeFor: MainView | null;
  setView(view: MainView): void;
  /** Runs every strategy of `settings.compare` on the comparison's prompts with the current settings. */
  startCompare(): Promise<void>;
  stopCompare(): void;
  /** Shows run `index` of the comparison in the run view (tree, output, metrics). */
  showComparisonRun(index: number): void;
  /**
   * Loads a trace file for replay. A run replaces the run view; a comparison replaces the comparison.
   * @returns true when imported; false (and `importError` set, nothing else changed) otherwise
   */
  importTrace(text: string, fileName?: string): boolean;
  /** The run on screen as trace JSON, or null when there is no finished run. */
  exportRunTrace(): string | null;
  /** The comparison as trace JSON, or null when there is none. */
  exportComparisonTrace(): string | null;
  dismissImport(): void;
}

function busy(s: AppState): boolean {
  return ['loading', 'running', 'waiting'].includes(s.runStatus) || ['loading', 'running'].includes(s.compareStatus);
}

/** Creates the traces slice over an engine client. */
export const createTracesSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], TracesSlice> =>
  (set, get) => {
    let handle: RequestHandle<CompareResult> | null = null;
    let stopRequested = false;
    const now = deps.now ?? (() => new Date());

    const runViewFromResult = (
      settings: Settings,
      result: RunResult,
      steps: StepRecord[],
      position?: CompareRunEvent['position'],
    ): RunView => {
      const loaded = get().loaded;
      return {
        source: 'live',
        strategy: result.strategy,
        resolvedStrategy: result.resolvedStrategy,
        settings: {
          temperature: settings.temperature,
          topP: settings.topP,
          topK: settings.topK,
          seed: settings.seed,
          maxNewTokens: settings.maxNewTokens,
          backend: loaded?.backend.backend ?? 'unknown',
        },
        models: {
          draft: result.strategy === 'ar' || !loaded ? null : { id: loaded.draft.id, hash: loaded.draft.hash },
          target: loaded ? { id: loaded.target.id, hash: loaded.target.hash } : { id: 'unknown', hash: '' },
        },
        promptText: result.promptText,
        promptIds: result.promptIds,
        steps,
        tokens: result.tokens,
        text: result.text,
        stopReason: result.stopReason,
        elapsedMs: result.elapsedMs,
        tokenTexts: loaded?.vocab ?? {},
        createdAt: now().toISOString(),
        baselineKey: null, // speedups in a comparison are against its own `ar` run
        chosenBudgets: result.chosenBudgets,
        ...(position ? { position } : {}),
      };
    };

    /** Applies `change` to the comparison on screen (if any). */
    const updateComparison = (change: (c: ComparisonView) => Partial<ComparisonView>): void =>
      set((s) => (s.comparison ? { comparison: { ...s.comparison, ...change(s.comparison) } } : {}));

    return {
      view: 'run',
      compareStatus: 'idle',
      comparison: null,
      compareError: null,
      importError: null,
      importNotice: null,
      importNoticeFor: null,

      setView: (view) => set({ view }),

      startCompare: async () => {
        if (busy(get())) return;
        const settings = get().settings;
        const list = checkStrategyList(settings.compare);
        // A field that holds a refused value would be run with its old one: refuse, naming it.
        const invalid = invalidFieldsReason(get().invalidInputs, 'compare');
        if (!list.ok || invalid) {
          set({ compareStatus: 'error', compareError: invalid ?? (list.ok ? null : list.error), view: 'compare' });
          return;
        }
        stopRequested = false;
        set({ compareStatus: 'loading', compareError: null, view: 'compare' });
        const loaded = await get().loadModels();
        if (!loaded || stopRequested) {
          set({
            compareStatus: stopRequested ? 'stopped' : 'error',
            compareError: stopRequested ? null : get().modelError,
          });
          return;
        }
        const strategies = list.value.split(',');
        const blocked = datastoreBlocker(strategies, get());
        if (blocked) {
          set({ compareStatus: 'idle', compareError: blocked });
          return;
        }
        const prompts = comparisonPrompts(settings);
        const repeats = settings.compareRepeats;
        set((s) => ({
          compareStatus: 'running',
          ...(s.importNoticeFor === 'compare' ? { importNotice: null, importNoticeFor: null } : {}),
          comparison: {
            source: 'live',
            createdAt: now().toISOString(),
            strategies,
            prompts,
            repeats,
            runs: [],
            added: [],
            warmup: [],
            progress: null,
            bench: null,
            profile: null,
          },
        }));
        const h = deps.client.compare(
          {
            prompts,
            chat: settings.chat,
            strategies,
            repeats,
            autoSweep: sweepBudgets(settings.compareSweep),
            temperature: settings.temperature,
            topP: settings.topP,
            topK: settings.topK,
            seed: settings.seed,
            maxNewTokens: settings.maxNewTokens,
          },
          {
            onWarmup: (round, msPerToken) =>
              updateComparison((c) => ({ warmup: [...c.warmup, msPerToken], progress: { phase: 'warmup', round } })),
            onRun: (run) =>
              updateComparison((c) => ({
                runs: [...c.runs, runViewFromResult(settings, run.result, run.steps, run.position)],
                added:
                  run.position.added && !c.added.includes(run.result.strategy)
                    ? [...c.added, run.result.strategy]
                    : c.added,
                progress: { phase: 'measure', done: run.run + 1, total: run.total },
              })),
          },
        );
        handle = h;
        try {
          const result = await h.done;
          updateComparison(() => ({ bench: result.bench, profile: result.bench.profile, progress: null }));
          set({ compareStatus: result.stopped ? 'stopped' : 'done' });
        } catch (e) {
          updateComparison(() => ({ progress: null }));
          set({ compareStatus: 'error', compareError: errorText(e) });
        } finally {
          if (handle === h) handle = null;
        }
      },

      stopCompare: () => {
        stopRequested = true;
        if (handle) handle.stop();
        else if (get().compareStatus === 'loading') get().cancelLoad();
      },

      showComparisonRun: (index) => {
        const run = get().comparison?.runs[index];
        if (run && !busy(get())) set({ run, runStatus: 'done', selectedStep: null, runError: null, view: 'run' });
      },

      importTrace: (text, fileName) => {
        const name = fileName ? `${fileName}: ` : '';
        if (busy(get())) {
          set({ importError: `${name}stop the current run before importing a trace` });
          return false;
        }
        let imported;
        try {
          imported = importTraceText(text);
        } catch (e) {
          set({ importError: `${name}${e instanceof Error ? e.message : String(e)}`, importNotice: null });
          return false;
        }
        const { trace } = imported;
        // A trace without token texts (e.g. from the CLI) still reads well when its target's tokenizer is loaded.
        const targetHash = trace.kind === 'run' ? trace.models.target.hash : trace.runs[0].models.target.hash;
        const loaded = get().loaded;
        const tokenTexts =
          Object.keys(imported.tokenTexts).length === 0 && loaded?.target.hash === targetHash
            ? loaded.vocab
            : imported.tokenTexts;
        if (trace.kind === 'run') {
          set({
            run: runViewOf(trace, tokenTexts),
            runStatus: 'done',
            runError: null,
            selectedStep: null,
            view: 'run',
            importError: null,
            importNotice: `Replaying ${fileName ?? 'a trace'}: ${trace.settings.strategy}, ${trace.steps.length} steps`,
            importNoticeFor: 'run',
          });
        } else {
          const runs = trace.runs.map((r) => runViewOf(r, tokenTexts));
          const strategies = [...new Set(runs.map((r) => r.strategy))];
          const prompts = [...new Set(runs.map((r) => r.promptText))];
          const repeats = Math.max(1, Math.floor(runs.length / Math.max(1, strategies.length * prompts.length)));
          const comparison: ComparisonView = {
            source: 'trace',
            createdAt: trace.createdAt,
            strategies,
            prompts,
            repeats,
            runs,
            added: [],
            warmup: [],
            progress: null,
            bench: null,
            profile: trace.profile ?? null,
          };
          set({
            comparison,
            compareStatus: 'done',
            compareError: null,
            view: 'compare',
            importError: null,
            importNotice: `Replaying ${fileName ?? 'a comparison'}: ${runs.length} runs`,
            importNoticeFor: 'compare',
          });
        }
        return true;
      },

      exportRunTrace: () => {
        const run = get().run;
        if (!run || run.stopReason === null) return null;
        return exportTraceText(runTraceOf(run), run.tokenTexts);
      },

      exportComparisonTrace: () => {
        const c = get().comparison;
        if (!c || c.runs.length === 0) return null;
        const texts: Record<number, string> = {};
        for (const r of c.runs) Object.assign(texts, r.tokenTexts);
        const title = `${c.strategies.join(', ')} on ${c.prompts.length} prompt${c.prompts.length === 1 ? '' : 's'}`;
        return exportTraceText(comparisonTraceOf(c.runs, c.createdAt, title, c.profile ?? undefined), texts);
      },

      dismissImport: () => set({ importError: null, importNotice: null, importNoticeFor: null }),
    };
  };
