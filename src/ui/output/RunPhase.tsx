/**
 * One status line under the run controls saying what the engine is busy with while nothing else shows progress:
 * loading the pair, measuring the latency profiles a first `auto` run needs, a comparison's warm-up. Empty otherwise.
 */
import { useApp } from '../../store/store';
import { phaseText } from './phase-text';

/** The engine's phase, as text (see the file comment). */
export function RunPhase() {
  const text = useApp((s) => (s.enginePhase ? phaseText(s.enginePhase.phase, s.files) : null));
  // Always there, one line high and contained: the text changing several times a second (profiling progress)
  // then repaints this line only, instead of moving and re-laying out the page below it.
  return (
    <p
      className="run-phase muted"
      data-testid="run-phase"
      aria-live="polite"
      style={{ margin: '4px 0', height: '1.4em', lineHeight: '1.4em', overflow: 'hidden', contain: 'strict' }}
    >
      {text}
    </p>
  );
}
