/**
 * Model pair choice: the bundled pair (default, offline), presets of real Hugging Face pairs that share a tokenizer,
 * or any two ids; the backend request; per-file download progress; the loaded pair and load errors, with the way
 * out of a failed download (load the bundled pair, which needs no network).
 */
import { useId } from 'react';
import type { LoadProgress } from '../../runtime/types';
import { offersBundledPair } from '../../store/models-slice';
import { CUSTOM_PRESET_ID, MODEL_PRESETS, findPreset } from '../../store/presets';
import type { BackendPreference } from '../../store/settings';
import { useApp } from '../../store/store';
import { shortModelId as shortId } from './BackendBadge';
import { CheckField } from './fields';

/**
 * "Use the bundled pair" after a failed load of another pair: switches the model setting and loads it. Shown in the
 * Models panel and in the run's error notice alike.
 */
export function UseBundledButton({ testId }: { testId: string }) {
  const offered = useApp(offersBundledPair);
  const loadBundledPair = useApp((s) => s.loadBundledPair);
  if (!offered) return null;
  return (
    <p className="field-hint">
      The bundled pair ships with the page and needs no network:{' '}
      <button type="button" onClick={() => void loadBundledPair()} data-testid={testId}>
        Use the bundled pair
      </button>
    </p>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** One file's progress bar. */
function FileProgress({ p }: { p: LoadProgress }) {
  const label = `${p.role} ${p.file}`;
  const done = p.total !== null && p.loaded >= p.total;
  return (
    <li className="file-progress">
      <span className="file-name">{label}</span>
      <progress value={p.loaded} max={p.total ?? undefined} aria-label={`${label} download`} />
      <span className="file-bytes">
        {p.fromCache ? 'cached' : `${formatBytes(p.loaded)}${p.total !== null ? ` / ${formatBytes(p.total)}` : ''}`}
        {done && !p.fromCache ? ' ✓' : ''}
      </span>
    </li>
  );
}

/** Text input for a custom model id. */
function IdInput({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        spellCheck={false}
        placeholder="org/name or https://…/folder"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/** The model picker panel. */
export function ModelPicker({ disabled }: { disabled?: boolean }) {
  const preset = useApp((s) => s.settings.preset);
  const draftId = useApp((s) => s.settings.draftId);
  const targetId = useApp((s) => s.settings.targetId);
  const backend = useApp((s) => s.settings.backend);
  const chat = useApp((s) => s.settings.chat);
  const setSetting = useApp((s) => s.setSetting);
  const status = useApp((s) => s.modelStatus);
  const files = useApp((s) => s.files);
  const loaded = useApp((s) => s.loaded);
  const modelError = useApp((s) => s.modelError);
  const loadModels = useApp((s) => s.loadModels);
  const cancelLoad = useApp((s) => s.cancelLoad);
  const presetId = useId();
  const backendId = useId();
  const chosen = findPreset(preset);

  return (
    <fieldset className="panel model-picker" disabled={disabled}>
      <legend>Models</legend>
      <div className="field">
        <label htmlFor={presetId}>Draft → target pair</label>
        <select id={presetId} value={preset} onChange={(e) => setSetting('preset', e.target.value)}>
          {MODEL_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value={CUSTOM_PRESET_ID}>Other models (any two ids)…</option>
        </select>
        {chosen && <small className="field-hint">{chosen.note}</small>}
      </div>
      {preset === CUSTOM_PRESET_ID && (
        <>
          <IdInput label="Draft model" value={draftId} onChange={(v) => setSetting('draftId', v)} />
          <IdInput label="Target model" value={targetId} onChange={(v) => setSetting('targetId', v)} />
          <small className="field-hint">Both must share a tokenizer (Llama, Qwen2 or Mistral family).</small>
        </>
      )}
      <div className="field">
        <label htmlFor={backendId}>Backend</label>
        <select
          id={backendId}
          value={backend}
          onChange={(e) => setSetting('backend', e.target.value as BackendPreference)}
        >
          <option value="auto">Auto (WebGPU if available, else WASM)</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM (CPU)</option>
        </select>
      </div>
      <CheckField
        label="Use the chat template (instruct models)"
        checked={chat}
        onChange={(v) => setSetting('chat', v)}
        disabled={loaded !== null && !loaded.hasChatTemplate}
      />
      <div className="button-row">
        {status === 'loading' ? (
          <button type="button" onClick={cancelLoad}>
            Cancel loading
          </button>
        ) : (
          <button type="button" onClick={() => void loadModels()}>
            Load models
          </button>
        )}
        <span className="status" data-testid="model-status" aria-live="polite">
          {status === 'ready' && loaded ? `loaded ${shortId(loaded.draft.id)} → ${shortId(loaded.target.id)}` : status}
        </span>
      </div>
      {files.length > 0 && status === 'loading' && (
        <ul className="file-progress-list" aria-label="Download progress">
          {files.map((p) => (
            <FileProgress key={`${p.role}/${p.file}`} p={p} />
          ))}
        </ul>
      )}
      {modelError && (
        <div role="alert">
          <p className="error" data-testid="model-error">
            {modelError}
          </p>
          <UseBundledButton testId="use-bundled" />
        </div>
      )}
    </fieldset>
  );
}
