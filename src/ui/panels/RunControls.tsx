/**
 * The prompt and the run buttons: Run / Stop (stops within one step), step-by-step mode with "Next step" (one target
 * call at a time), and measuring the autoregressive baseline that speedups are computed against. A button that
 * cannot start is disabled, saying why next to it (runBlocker: an invalid field, by name, or a missing corpus
 * datastore). Notes beside the prompt say what an empty prompt does and when a link cannot carry the prompt.
 */
import { useId } from 'react';
import { runBlocker } from '../../store/run-blockers';
import { MAX_LINK_PROMPT_CHARS } from '../../store/settings';
import type { RunStatus, RunView } from '../../store/run-slice';
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

/** What an empty prompt does (the tokenizer adds BOS; a model without one refuses, and the run says so). */
export const EMPTY_PROMPT_NOTE = 'empty prompt: the model generates from its start token (BOS) alone';

/** Whether the run on screen is a live one on an empty prompt (one the tokenizer starts from BOS). */
export const fromBos = (run: Pick<RunView, 'source' | 'promptText'> | null): boolean =>
  run?.source === 'live' && run.promptText === '';

/**
 * The status line: the status, while or after a run on an empty prompt that it generates from BOS, and while the
 * `ar` baseline of a finished run is measured, that the engine is still busy.
 */
export function statusText(status: RunStatus, emptyPromptRun: boolean, measuringBaseline = false): string {
  const note = emptyPromptRun && ['running', 'waiting', 'done', 'stopped'].includes(status);
  const text = note ? `${STATUS_TEXT[status]} · from BOS (empty prompt)` : STATUS_TEXT[status];
  return measuringBaseline ? `${text} · measuring ar for the speedup…` : text;
}

/** Notes under the prompt: empty (generates from BOS), or too long for the link (kept here, not in the URL). */
function PromptNotes({ prompt, id }: { prompt: string; id: string }) {
  if (prompt === '') {
    return (
      <small id={id} className="field-hint" data-testid="prompt-note">
        {EMPTY_PROMPT_NOTE}
      </small>
    );
  }
  if (prompt.length <= MAX_LINK_PROMPT_CHARS) return null;
  return (
    <small id={id} className="field-hint" data-testid="prompt-note">
      {prompt.length.toLocaleString('en')} characters: kept and run here, but a link carries prompts of up to{' '}
      {MAX_LINK_PROMPT_CHARS.toLocaleString('en')}, so the page&apos;s URL leaves this one out
    </small>
  );
}

/** Prompt box and run controls. */
export function RunControls() {
  const prompt = useApp((s) => s.settings.prompt);
  const setSetting = useApp((s) => s.setSetting);
  const status = useApp((s) => s.runStatus);
  const emptyPromptRun = useApp((s) => fromBos(s.run));
  const stepMode = useApp((s) => s.stepMode);
  const baselineRunning = useApp((s) => s.baselineRunning);
  const compareBusy = useApp((s) => s.compareStatus === 'loading' || s.compareStatus === 'running');
  const startRun = useApp((s) => s.startRun);
  const stopRun = useApp((s) => s.stopRun);
  const nextStep = useApp((s) => s.nextStep);
  const setStepMode = useApp((s) => s.setStepMode);
  const measureBaseline = useApp((s) => s.measureBaseline);
  const blocker = useApp((s) => runBlocker(s, 'run'));
  const baselineBlocker = useApp((s) => runBlocker(s, 'baseline'));
  const promptId = useId();
  const noteId = useId();
  const blockerId = useId();
  const active = status === 'loading' || status === 'running' || status === 'waiting';
  const busy = active || baselineRunning || compareBusy;
  // One reason beside the buttons: Run's, else the baseline's (a subset of the fields Run reads).
  const reason = blocker ?? baselineBlocker;

  return (
    <section className="panel run-controls" aria-label="Prompt and run controls">
      <div className="field">
        <label htmlFor={promptId}>Prompt</label>
        <textarea
          id={promptId}
          rows={3}
          value={prompt}
          aria-describedby={prompt === '' || prompt.length > MAX_LINK_PROMPT_CHARS ? noteId : undefined}
          onChange={(e) => setSetting('prompt', e.target.value)}
          onKeyDown={(e) => {
            // Ctrl/Cmd+Enter runs, as in most playgrounds.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !busy && !blocker) void startRun();
          }}
        />
        <PromptNotes prompt={prompt} id={noteId} />
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
            title={blocker ?? undefined}
            aria-describedby={blocker ? blockerId : undefined}
            data-testid="run"
          >
            Run
          </button>
        )}
        {reason && !active && (
          <span id={blockerId} className="run-blocker" data-testid="run-blocker" role="status">
            {reason}
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
          disabled={busy || baselineBlocker !== null}
          aria-describedby={baselineBlocker ? blockerId : undefined}
          data-testid="baseline"
          title={baselineBlocker ?? 'Run the target alone on this prompt and settings, to measure speedups against it'}
        >
          {baselineRunning ? 'Measuring baseline…' : 'Measure AR baseline'}
        </button>
        <span className="status" data-testid="run-status" aria-live="polite">
          {statusText(status, emptyPromptRun, baselineRunning)}
        </span>
      </div>
    </section>
  );
}
