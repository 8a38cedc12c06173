/**
 * Trace export (the run on screen, or the whole comparison) and import (replays tree, output and charts without
 * models; a bad file shows which field is wrong and changes nothing).
 */
import { useId, useRef } from 'react';
import { useApp } from '../../store/store';
import { downloadBlob } from '../export-svg';

function saveJson(text: string, name: string): void {
  downloadBlob(new Blob([text], { type: 'application/json' }), name);
}

/** Export and import buttons. */
export function TraceButtons() {
  const canExportRun = useApp((s) => s.run !== null && s.run.stopReason !== null);
  const canExportComparison = useApp((s) => (s.comparison?.runs.length ?? 0) > 0);
  const exportRunTrace = useApp((s) => s.exportRunTrace);
  const exportComparisonTrace = useApp((s) => s.exportComparisonTrace);
  const importTrace = useApp((s) => s.importTrace);
  const strategy = useApp((s) => s.run?.strategy ?? 'run');
  const fileId = useId();
  const input = useRef<HTMLInputElement>(null);

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    importTrace(await file.text(), file.name);
    if (input.current) input.current.value = ''; // importing the same file again must fire `change` again
  };

  return (
    <div className="trace-buttons button-row" role="group" aria-label="Traces">
      <button
        type="button"
        disabled={!canExportRun}
        data-testid="export-run"
        onClick={() => {
          const text = exportRunTrace();
          if (text) saveJson(text, `specdec-${strategy.replace(/[^\w.-]+/g, '_')}.trace.json`);
        }}
      >
        Export run trace
      </button>
      <button
        type="button"
        disabled={!canExportComparison}
        data-testid="export-comparison"
        onClick={() => {
          const text = exportComparisonTrace();
          if (text) saveJson(text, 'specdec-comparison.trace.json');
        }}
      >
        Export comparison
      </button>
      {/* The input comes first so CSS can ring its label when the (visually hidden) input has keyboard focus. */}
      <input
        ref={input}
        id={fileId}
        className="visually-hidden-file"
        type="file"
        accept=".json,application/json"
        data-testid="import-trace"
        onChange={(e) => void onFile(e.target.files?.[0])}
      />
      <label htmlFor={fileId} className="file-button">
        Import trace…
      </label>
    </div>
  );
}
