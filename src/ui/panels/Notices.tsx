/**
 * Messages above the views: ignored link values, trace import results, run errors (a failed model load included, so
 * its cause shows at Run as well as in the Models panel, with the same way out) and a WebGPU fallback. The notices
 * that can be dismissed say so; none of them blocks the page.
 */
import type { ReactNode } from 'react';
import { failedRunError } from '../../store/run-slice';
import { useApp } from '../../store/store';
import { UseBundledButton } from './ModelPicker';

function Notice(props: {
  kind: 'error' | 'warning' | 'info';
  testId: string;
  children: ReactNode;
  onClose?: () => void;
}) {
  return (
    <div
      className={`notice notice-${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
      data-testid={props.testId}
    >
      <div className="notice-body">{props.children}</div>
      {props.onClose && (
        <button type="button" className="notice-close" onClick={props.onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

/** All notices. */
export function Notices() {
  const hashNotices = useApp((s) => s.hashNotices);
  const dismissHash = useApp((s) => s.dismissHashNotices);
  const importError = useApp((s) => s.importError);
  const importNotice = useApp((s) => s.importNotice);
  const dismissImport = useApp((s) => s.dismissImport);
  const runError = useApp((s) => s.runError);
  const runFailed = useApp((s) => s.runStatus === 'error');
  // A run that failed before finishing shows its error in place of the tree and metrics instead.
  const shownInView = useApp((s) => s.view === 'run' && failedRunError(s) !== null);
  const modelError = useApp((s) => s.modelError);
  const fallback = useApp((s) => s.loaded?.backend.fallbackReason ?? null);
  const backendRequest = useApp((s) => s.settings.backend);
  return (
    <div className="notices">
      {hashNotices.length > 0 && (
        <Notice kind="warning" testId="hash-notice" onClose={dismissHash}>
          <p>Some settings in the link could not be used; defaults were used instead:</p>
          <ul>
            {hashNotices.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </Notice>
      )}
      {importError && (
        <Notice kind="error" testId="import-error" onClose={dismissImport}>
          <p>
            <strong>Trace not imported.</strong> {importError}
          </p>
        </Notice>
      )}
      {importNotice && !importError && (
        <Notice kind="info" testId="import-notice" onClose={dismissImport}>
          <p>{importNotice}</p>
        </Notice>
      )}
      {runError && !shownInView && (
        <Notice kind="error" testId="run-error">
          <p>
            {runFailed && <strong>{runError === modelError ? 'The models did not load. ' : 'Run failed. '}</strong>}
            {runError}
          </p>
          {runError === modelError && <UseBundledButton testId="run-use-bundled" />}
        </Notice>
      )}
      {fallback && (
        <Notice kind={backendRequest === 'webgpu' ? 'warning' : 'info'} testId="backend-fallback">
          <p>
            {backendRequest === 'auto' ? 'Running on WASM (CPU). ' : ''}
            {fallback}
          </p>
        </Notice>
      )}
    </div>
  );
}
