/**
 * Values derived from the store (metrics, token text lookup), memoised on the arrays they read so
 * components can select them without recomputing on every streamed step.
 */
import { computeMetrics, type Metrics } from '../core/metrics';
import type { StepRecord } from '../core/step';
import type { RunView } from './run-slice';

const metricsCache = new WeakMap<readonly StepRecord[], Map<number | null, Metrics>>();

/** Metrics of a run: over its wall time once it ended, over the steps' time while it runs. */
export function runMetrics(run: Pick<RunView, 'steps' | 'elapsedMs'>): Metrics {
  let byWall = metricsCache.get(run.steps);
  if (!byWall) metricsCache.set(run.steps, (byWall = new Map()));
  let m = byWall.get(run.elapsedMs);
  if (!m) byWall.set(run.elapsedMs, (m = computeMetrics(run.steps, run.elapsedMs ?? undefined)));
  return m;
}

/** A `tokenText(id)` function over a run's token texts; unknown ids show as `#id`. */
export function tokenTextLookup(texts: Readonly<Record<number, string>>): (id: number) => string {
  return (id) => texts[id] ?? `#${id}`;
}
