/**
 * Run views <-> trace documents (core/trace.ts, the versioned schema shared with the CLI). Exports carry the
 * schema's optional `tokenTexts` (the text of every token the document uses), so a trace replays with readable
 * tokens without loading the tokenizer.
 */
import { computeMetrics } from '../core/metrics';
import {
  parseTrace,
  serializeTrace,
  tokenTextsOf,
  TRACE_SCHEMA_VERSION,
  withTokenTexts,
  type ComparisonTrace,
  type RunTrace,
  type Trace,
} from '../core/trace';
import type { RunView } from './run-slice';

/** The run on screen as a trace document. */
export function runTraceOf(run: RunView): RunTrace {
  const { strategy, settings } = run;
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    kind: 'run',
    createdAt: run.createdAt,
    label: `${strategy} on ${settings.backend}`,
    models: run.models,
    settings: {
      strategy,
      temperature: settings.temperature,
      topP: settings.topP,
      topK: settings.topK,
      seed: settings.seed,
      maxNewTokens: settings.maxNewTokens,
      backend: settings.backend,
    },
    prompt: { text: run.promptText, tokenIds: run.promptIds },
    steps: run.steps,
    output: { tokenIds: run.tokens, text: run.text },
    metrics: computeMetrics(run.steps, run.elapsedMs ?? undefined),
  };
}

/** Pretty JSON text of a trace with the token texts it uses (core's `tokenTexts`). Validated by core first. */
export function exportTraceText(trace: Trace, texts: Readonly<Record<number, string>>): string {
  const doc = withTokenTexts(trace, (id) => texts[id]);
  return `${serializeTrace(doc, 1)}\n`;
}

/** A comparison document of several runs. */
export function comparisonTraceOf(
  runs: readonly RunView[],
  createdAt: string,
  title: string,
  profile: ComparisonTrace['profile'] = undefined,
): ComparisonTrace {
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    kind: 'comparison',
    createdAt,
    title,
    runs: runs.map(runTraceOf),
    ...(profile ? { profile } : {}),
  };
}

/** A parsed trace file. */
export interface ImportedTrace {
  trace: Trace;
  /** The token texts the file carries (empty when it has none). */
  tokenTexts: Record<number, string>;
}

/**
 * Parses a trace file's text.
 * @throws TraceParseError naming the field at fault
 */
export function importTraceText(text: string): ImportedTrace {
  const trace = parseTrace(text);
  return { trace, tokenTexts: tokenTextsOf(trace) };
}

/** A run document as a run view for replay (no models needed). */
export function runViewOf(run: RunTrace, tokenTexts: Readonly<Record<number, string>>): RunView {
  const { strategy, backend, ...decode } = run.settings;
  return {
    source: 'trace',
    strategy,
    resolvedStrategy: strategy,
    settings: { ...decode, backend },
    models: run.models,
    promptText: run.prompt.text,
    promptIds: run.prompt.tokenIds,
    steps: run.steps,
    tokens: run.output.tokenIds,
    text: run.output.text,
    stopReason: 'replay',
    elapsedMs: run.metrics.wall_ms,
    tokenTexts,
    createdAt: run.createdAt,
    baselineKey: null,
  };
}
