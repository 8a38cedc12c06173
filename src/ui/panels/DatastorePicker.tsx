/**
 * The corpus datastore of `@corpus` strategies: which one is in use (the target's shipped `datastore.bin`, or one
 * built here), and building another from pasted text or a file (a text, or a datastore file), with progress. A
 * refused input or a failed build says why and keeps everything else, the datastore in use included.
 */
import { useId, useRef, useState } from 'react';
import { useApp } from '../../store/store';
import { buildProgressText, datastoreLine } from './datastore-text';

/** The datastore picker (shown by the strategy form when the corpus source is on). */
export function DatastorePicker() {
  const status = useApp((s) => s.datastoreStatus);
  const datastore = useApp((s) => s.datastore);
  const modelsLoaded = useApp((s) => s.loaded !== null);
  const buildDatastore = useApp((s) => s.buildDatastore);
  const dismissError = useApp((s) => s.dismissDatastoreError);
  const [text, setText] = useState('');
  const textId = useId();
  const fileId = useId();
  const headingId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const building = status.kind === 'building';
  const measured = status.kind === 'building' && (status.stage === 'tokenize' || status.stage === 'index');

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    await buildDatastore(file);
    if (fileInput.current) fileInput.current.value = ''; // choosing the same file again must fire `change` again
  };

  return (
    <section className="datastore-picker" aria-labelledby={headingId} data-testid="datastore-picker">
      <h3 id={headingId}>Corpus datastore</h3>
      <p className="datastore-status" data-testid="datastore-status" title={datastore?.label}>
        {datastore
          ? datastoreLine(datastore)
          : modelsLoaded
            ? 'no datastore: the target ships none; build one below'
            : 'none yet: the target’s datastore.bin is looked for when the models load'}
      </p>
      {building && (
        <div className="datastore-progress" data-testid="datastore-progress">
          <progress max={1} value={measured ? status.fraction : undefined} aria-label="datastore build progress" />
          <span aria-live="polite">{buildProgressText(status)}</span>
        </div>
      )}
      {status.kind === 'error' && (
        <div className="datastore-error" role="alert" data-testid="datastore-error">
          <span>
            {status.message}
            {datastore ? ' (the datastore above is still in use)' : ''}
          </span>
          <button type="button" className="notice-close" onClick={dismissError} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <div className="field">
        <label htmlFor={textId}>Text to draft from</label>
        <textarea
          id={textId}
          rows={3}
          value={text}
          placeholder="paste a text whose phrases the output may repeat"
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          data-testid="datastore-text"
        />
      </div>
      <div className="button-row">
        <button
          type="button"
          onClick={() => void buildDatastore(text)}
          disabled={building}
          data-testid="datastore-build"
        >
          Build from text
        </button>
        {/* The input comes first so CSS can ring its label when the (visually hidden) input has keyboard focus. */}
        <input
          ref={fileInput}
          id={fileId}
          className="visually-hidden-file"
          type="file"
          accept=".txt,.md,.bin,text/plain,application/octet-stream"
          disabled={building}
          data-testid="datastore-file"
          onChange={(e) => void onFile(e.target.files?.[0])}
        />
        <label htmlFor={fileId} className="file-button">
          Build from a file…
        </label>
      </div>
    </section>
  );
}
