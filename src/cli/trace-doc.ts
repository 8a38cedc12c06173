/** The versioned trace document (src/core/trace.ts) of one CLI run, the same format the page exports. */
import { computeMetrics, type Metrics } from '../core/metrics';
import type { SamplingParams } from '../core/sampling';
import { parseTrace, TRACE_SCHEMA_VERSION, withTokenTexts, type RunTrace } from '../core/trace';
import type { CliPair } from './models';
import type { RunResult } from './runner';

/** What the trace records besides the run itself. */
export interface TraceContext {
  pair: CliPair;
  promptText: string;
  promptIds: readonly number[];
  /** The strategy as asked for (e.g. `dyspec:auto`); the trace stores the resolved one and labels the request. */
  requested: string;
  params: SamplingParams;
  seed: number;
  maxNewTokens: number;
}

/**
 * Builds and validates the run trace (a trace that would not import fails here, at export time).
 * @returns the trace and the metrics it holds
 */
export function runTrace(ctx: TraceContext, run: RunResult): { trace: RunTrace; metrics: Metrics } {
  const { pair, params } = ctx;
  const metrics = computeMetrics(run.steps, run.wallMs);
  const ar = run.resolved === 'ar';
  const trace: RunTrace = {
    schemaVersion: TRACE_SCHEMA_VERSION,
    kind: 'run',
    createdAt: new Date().toISOString(),
    label: ctx.requested === run.resolved ? run.resolved : `${ctx.requested} -> ${run.resolved}`,
    models: {
      draft: ar ? null : { id: pair.draft.id, hash: pair.draft.hash },
      target: { id: pair.target.id, hash: pair.target.hash },
    },
    settings: {
      strategy: run.resolved,
      temperature: params.temperature,
      topP: params.topP,
      topK: params.topK,
      seed: ctx.seed,
      maxNewTokens: ctx.maxNewTokens,
      backend: `node-${pair.target.backend.backend}`,
    },
    prompt: { text: ctx.promptText, tokenIds: [...ctx.promptIds] },
    steps: run.steps,
    output: { tokenIds: run.tokens, text: pair.tokenizer.decode(run.tokens) },
    metrics,
  };
  // Token texts make the trace replayable (tree labels, output colours) without the tokenizer, as the page's are.
  const withTexts = withTokenTexts(trace, (id) => pair.tokenizer.tokenText(id));
  return { trace: parseTrace(withTexts) as RunTrace, metrics };
}
