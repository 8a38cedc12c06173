/**
 * The prompt and the run buttons: Run / Stop (stops within one step), step-by-step mode with "Next step" (one target
 * call at a time), and measuring the autoregressive baseline that speedups are computed against. Run is disabled,
 * saying why next to it, while the strategy drafts from a corpus datastore that is not there.
 */
import { useId } from 'react';
import { datastoreBlocker } from '../../store/datastore-slice';
import { useApp } from '../../store/store';
import { CheckField } from './fields';

/** Human text of a run status. */
const STATUS_TEXT = {
  idle: 'ready',
  loading: 'loading models…',
  running: 'running…',
  waiting: 'paused: press Next step',
  done: 'done',
  stopped: 'stopped',
  error: 'failed',
} as const;

/** Prompt box and run controls. */
export function RunControls() {
  const prompt = useApp((s) => s.settings.prompt);
  const setSetting = useApp((s) => s.setSetting);
  const status = useApp((s) => s.runStatus);
  const stepMode = useApp((s) => s.stepMode);
  const baselineRunning = useApp((s) => s.baselineRunning);
  const compareBusy = useApp((s) => s.compareStatus === 'loading' || s.compareStatus === 'running');
  const startRun = useApp((s) => s.startRun);
  const stopRun = useApp((s) => s.stopRun);
  const nextStep = useApp((s) => s.nextStep);
  const setStepMode = useApp((s) => s.setStepMode);
  const measureBaseline = useApp((s) => s.measureBaseline);
  const blocker = useApp((s) => datastoreBlocker([s.settings.strategy], s));
  const promptId = useId();
  const blockerId = useId();
  const active = status === 'loading' || status === 'running' || status === 'waiting';
  const busy = active || baselineRunning || compareBusy;

  return (
    <section className="panel run-controls" aria-label="Prompt and run controls">
      <div className="field">
        <label htmlFor={promptId}>Prompt</label>
        <textarea
          id={promptId}
          rows={3}
          value={prompt}
          onChange={(e) => setSetting('prompt', e.target.value)}
          onKeyDown={(e) => {
            // Ctrl/Cmd+Enter runs, as in most playgrounds.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !busy && !blocker) void startRun();
          }}
        />
      </div>
      <div className="button-row">
        {active ? (
          <button type="button" className="primary" onClick={stopRun} data-testid="stop">
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => void startRun()}
            disabled={busy || blocker !== null}
            aria-describedby={blocker ? blockerId : undefined}
            data-testid="run"
          >
            Run
          </button>
        )}
        {blocker && !active && (
          <span id={blockerId} className="run-blocker" data-testid="run-blocker" role="status">
            {blocker}
          </span>
        )}
        <CheckField
          label="Step by step"
          checked={stepMode}
          onChange={setStepMode}
          hint="pause before every target call"
        />
        <button type="button" onClick={nextStep} disabled={status !== 'waiting'} data-testid="next-step">
          Next step
        </button>
        <button
          type="button"
          onClick={() => void measureBaseline()}
          disabled={busy}
          data-testid="baseline"
          title="Run the target alone on this prompt and settings, to measure speedups against it"
        >
          {baselineRunning ? 'Measuring baseline…' : 'Measure AR baseline'}
        </button>
        <span className="status" data-testid="run-status" aria-live="polite">
          {STATUS_TEXT[status]}
        </span>
      </div>
    </section>
  );
}
