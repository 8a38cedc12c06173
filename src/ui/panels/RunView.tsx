/**
 * The run on screen: the token tree of the selected step (live: the latest, unless the user scrubbed back), a step
 * scrubber, the output stream, and export of the run as a trace or the tree as SVG/PNG. A run that failed before its
 * first step shows its error in place of all of that.
 */
import { useId, useMemo, useRef } from 'react';
import { tokenTextLookup } from '../../store/derive';
import { failedRunError } from '../../store/run-slice';
import { useApp } from '../../store/store';
import { TokenStream } from '../output/TokenStream';
import { TreeView } from '../tree/TreeView';
import { SvgExport } from './SvgExport';
import { useElementWidth } from './use-width';

/** Range slider and buttons over the run's steps. */
function StepScrubber({ count, shown }: { count: number; shown: number }) {
  const selectStep = useApp((s) => s.selectStep);
  const following = useApp((s) => s.selectedStep === null);
  const id = useId();
  const go = (i: number): void => selectStep(Math.max(0, Math.min(count - 1, i)));
  return (
    <div className="scrubber">
      <button type="button" onClick={() => go(shown - 1)} disabled={shown <= 0} aria-label="Show the previous step">
        ◀
      </button>
      <label htmlFor={id}>
        Step <output data-testid="step-shown">{shown + 1}</output> of {count}
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={Math.max(0, count - 1)}
        value={shown}
        onChange={(e) => go(Number(e.target.value))}
      />
      <button type="button" onClick={() => go(shown + 1)} disabled={shown >= count - 1} aria-label="Show the next step">
        ▶
      </button>
      <label className="field-check">
        <input type="checkbox" checked={following} onChange={(e) => selectStep(e.target.checked ? null : shown)} />
        follow latest
      </label>
    </div>
  );
}

/** Tree, scrubber and output of the run on screen. */
export function RunView() {
  const run = useApp((s) => s.run);
  const selectedStep = useApp((s) => s.selectedStep);
  const selectStep = useApp((s) => s.selectStep);
  const failure = useApp(failedRunError);
  const treeBox = useRef<HTMLDivElement>(null);
  const width = useElementWidth(treeBox, 720);
  const tokenText = useMemo(() => tokenTextLookup(run?.tokenTexts ?? {}), [run?.tokenTexts]);
  if (!run) {
    return (
      <section className="panel run-view empty">
        <p>Press Run to generate with the bundled pair, or import a trace file to replay it.</p>
      </section>
    );
  }
  const count = run.steps.length;
  const shown = selectedStep === null ? count - 1 : Math.min(selectedStep, count - 1);
  const step = shown >= 0 ? run.steps[shown] : null;
  if (failure !== null && count === 0) {
    return (
      <section className="panel run-view" aria-label="Token tree and output">
        <h2>
          Token tree <small>{run.strategy}</small>
        </h2>
        <div className="notice notice-error" role="alert" data-testid="run-failed">
          <div className="notice-body">
            <p>
              <strong>The run failed before its first step.</strong> {failure}
            </p>
            <p className="muted">The prompt and settings are kept: change what the message names and run again.</p>
          </div>
        </div>
      </section>
    );
  }
  return (
    <section className="panel run-view" aria-label="Token tree and output">
      <header className="view-header">
        <h2>
          Token tree{' '}
          <small>
            {run.source === 'trace' ? 'replay: ' : ''}
            {run.strategy}
            {run.resolvedStrategy && run.resolvedStrategy !== run.strategy ? ` → ${run.resolvedStrategy}` : ''}
          </small>
        </h2>
        <SvgExport container={treeBox} selector="svg.tree-view-svg" name={`tree-step-${shown + 1}`} what="the tree" />
      </header>
      {failure !== null && (
        <p className="error" role="alert" data-testid="run-failed">
          The run failed after {count} step{count === 1 ? '' : 's'}: {failure}
        </p>
      )}
      {count > 0 && <StepScrubber count={count} shown={shown} />}
      <div ref={treeBox} className="tree-box" data-testid="tree-box">
        {step ? (
          <TreeView step={step} tokenText={tokenText} width={Math.max(320, width)} height={380} />
        ) : (
          <p className="muted">{run.stopReason === null ? 'waiting for the first step…' : 'this run has no steps'}</p>
        )}
      </div>
      <h2>Output</h2>
      <div data-testid="output">
        <TokenStream
          promptText={run.promptText}
          steps={run.steps}
          tokenText={tokenText}
          selectedStep={step ? shown : null}
          onSelectStep={(i) => selectStep(i)}
        />
      </div>
      {run.stopReason !== null && (
        <details className="plain-output">
          <summary>
            Plain text <span className="muted">(finished: {run.stopReason})</span>
          </summary>
          <pre data-testid="output-text" data-token-ids={run.tokens.join(',')}>
            {run.text}
          </pre>
        </details>
      )}
    </section>
  );
}
