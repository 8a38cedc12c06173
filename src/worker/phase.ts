/**
 * What the engine is busy with before a run shows its first step: loading the pair, measuring its latency profiles
 * (a first `auto` run spends seconds there), warming up a comparison. The host reports it as `phase` events so the
 * page can say so instead of a bare "running…".
 */
import { measureLatency, type LatencyOptions, type LatencyProfile } from '../core/latency';
import type { LanguageModel } from '../core/model';
import type { EnginePhase } from './protocol';

/** Which model of the pair a profile measures. */
type Role = 'draft' | 'target';

/** A controller `measure` (core's measurement) that reports each forward call of the profile, as done of total. */
export function measureWithProgress(
  onProgress: (role: Role, done: number, total: number) => void,
): (role: Role, model: LanguageModel, options: LatencyOptions) => Promise<LatencyProfile> {
  return (role, model, options) => {
    return measureLatency(model, { ...options, onCall: (done, total) => onProgress(role, done, total) });
  };
}

/** Least time between two profiling progress events: the page needs a few a second, not one per forward call. */
export const PHASE_INTERVAL_MS = 100;

/**
 * The phase of one request: a base phase the request sets (a comparison's warm-up round; none for a run) and the
 * profiling that interrupts it, after which the base phase shows again.
 */
export class PhaseReporter {
  private base: EnginePhase | null = null;
  private lastEmit = -Infinity;

  constructor(
    private readonly emit: (phase: EnginePhase | null) => void,
    private readonly now: () => number,
  ) {}

  /** Sets (and reports) the request's base phase. */
  set(phase: EnginePhase | null): void {
    this.base = phase;
    this.emit(phase);
  }

  /** A profile made `done` of its `total` calls: reported at its start and every PHASE_INTERVAL_MS until its end. */
  profiling(role: Role, done: number, total: number): void {
    if (done >= total) {
      this.lastEmit = -Infinity;
      this.emit(this.base); // the profile is measured: back to what the request was doing
      return;
    }
    const t = this.now();
    if (done > 0 && t - this.lastEmit < PHASE_INTERVAL_MS) return;
    this.lastEmit = t;
    this.emit({ kind: 'profiling', role, done, total });
  }
}
