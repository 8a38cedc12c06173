/**
 * The status line's words for an engine phase (worker/protocol.ts `EnginePhase`): what the engine is doing before a
 * run's first token, with how far along it is.
 */
import type { LoadProgress } from '../../runtime/types';
import type { EnginePhase } from '../../worker/protocol';

const MB = 1024 * 1024;

/** Bytes read of the files whose size is known, as "3.1 of 12.6 MB"; null when no size is known yet. */
export function downloadedText(files: readonly LoadProgress[]): string | null {
  const sized = files.filter((f) => f.total !== null && f.total > 0);
  if (sized.length === 0) return null;
  const loaded = sized.reduce((n, f) => n + Math.min(f.loaded, f.total!), 0);
  const total = sized.reduce((n, f) => n + f.total!, 0);
  return `${(loaded / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB`;
}

/**
 * e.g. "loading models: 3.1 of 12.6 MB", "profiling target t(n) 37/145", "warming up (round 2)".
 * @param files the load's per-file progress, for the loading phase
 */
export function phaseText(phase: EnginePhase, files: readonly LoadProgress[] = []): string {
  switch (phase.kind) {
    case 'loading': {
      const bytes = downloadedText(files);
      return bytes ? `loading models: ${bytes}` : 'loading models';
    }
    case 'profiling':
      return `profiling ${phase.role} t(n) ${phase.done}/${phase.total}`;
    case 'warmup':
      return `warming up (round ${phase.round})`;
  }
}
