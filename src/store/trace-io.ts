/**
 * Run views <-> trace documents (core/trace.ts, the versioned schema shared with the CLI).
 *
 * The page adds one optional top-level field, `tokenTexts` ({ "id": "text" } for every token the document uses),
 * so a trace replays with readable tokens without loading the tokenizer. Readers that do not know the field ignore
 * it (the core schema strips unknown keys); it is validated here like the rest, naming the field at fault.
 */
import { computeMetrics } from '../core/metrics';
import {
  parseTrace,
  serializeTrace,
  TRACE_SCHEMA_VERSION,
  TraceParseError,
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

/** Every token id a run refers to (prompt, tree nodes, bonus tokens, output). */
function tokenIdsOf(run: RunTrace): Set<number> {
  const ids = new Set<number>([...run.prompt.tokenIds, ...run.output.tokenIds]);
  for (const step of run.steps) {
    for (const t of step.tree.tokens) ids.add(t);
    ids.add(step.bonusToken);
  }
  return ids;
}

function tokenTextsFor(runs: readonly RunTrace[], texts: Readonly<Record<number, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const run of runs) {
    for (const id of tokenIdsOf(run)) {
      const text = texts[id];
      if (text !== undefined) out[String(id)] = text;
    }
  }
  return out;
}

/** JSON text of a trace plus the token texts it uses. Validated by core's serializer first. */
export function exportTraceText(trace: Trace, texts: Readonly<Record<number, string>>): string {
  const runs = trace.kind === 'run' ? [trace] : trace.runs;
  const doc = { ...(JSON.parse(serializeTrace(trace)) as object), tokenTexts: tokenTextsFor(runs, texts) };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

/** A comparison document of several runs. */
export function comparisonTraceOf(runs: readonly RunView[], createdAt: string, title: string): ComparisonTrace {
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    kind: 'comparison',
    createdAt,
    title,
    runs: runs.map(runTraceOf),
  };
}

/** A parsed trace file. */
export interface ImportedTrace {
  trace: Trace;
  tokenTexts: Record<number, string>;
}

/**
 * Parses a trace file's text.
 * @throws TraceParseError naming the field at fault (core's schema errors, and `tokenTexts` errors from here)
 */
export function importTraceText(text: string): ImportedTrace {
  const trace = parseTrace(text); // validates JSON, version and schema first
  const raw = (JSON.parse(text) as { tokenTexts?: unknown }).tokenTexts;
  const tokenTexts: Record<number, string> = {};
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new TraceParseError('tokenTexts', 'expected an object of token id -> text');
    }
    for (const [key, value] of Object.entries(raw)) {
      if (!/^\d+$/.test(key)) throw new TraceParseError(`tokenTexts.${key}`, 'keys must be token ids (whole numbers)');
      if (typeof value !== 'string')
        throw new TraceParseError(`tokenTexts.${key}`, `expected string, received ${typeof value}`);
      tokenTexts[Number(key)] = value;
    }
  }
  return { trace, tokenTexts };
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
