/**
 * Strategy and its knobs (chain gamma, branching vector, Sequoia budget/depth, DySpec budget or threshold, auto), the
 * draft sources of every speculative kind (draft model, context lookup, corpus datastore; the corpus one with its
 * datastore picker), then the sampling settings (temperature, top-p, top-k, seed, max tokens).
 */
import { useId, useState, type ReactNode } from 'react';
import { DRAFT_SOURCES, STRATEGY_KINDS, type DraftSourceName } from '../../core/strategy';
import { useApp } from '../../store/store';
import { DatastorePicker } from './DatastorePicker';
import { CheckField, NumberField } from './fields';
import {
  composeStrategy,
  draftFromStrategy,
  KIND_LABELS,
  SOURCE_OPTIONS,
  toggleSource,
  type StrategyDraft,
  type StrategyKind,
} from './strategy-draft';

function TextKnob(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  hint?: string;
  inputMode?: 'decimal' | 'text' | 'numeric';
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="text"
        inputMode={props.inputMode ?? 'numeric'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && (
        <small id={`${id}-hint`} className="field-hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** One checkbox per draft source; the last one on cannot be turned off. */
function SourceChoice({
  sources,
  onChange,
}: {
  sources: readonly DraftSourceName[];
  onChange: (sources: readonly DraftSourceName[]) => void;
}) {
  const hintId = useId();
  return (
    <fieldset className="source-choice" aria-describedby={hintId} data-testid="draft-sources">
      <legend>Draft from</legend>
      <div className="source-options">
        {DRAFT_SOURCES.map((source) => {
          const on = sources.includes(source);
          return (
            <span key={source} className={`source-option source-option-${source}`}>
              <CheckField
                label={SOURCE_OPTIONS[source].label}
                hint={SOURCE_OPTIONS[source].hint}
                checked={on}
                disabled={on && sources.length === 1}
                onChange={(checked) => onChange(toggleSource(sources, source, checked))}
              />
            </span>
          );
        })}
      </div>
      <small id={hintId} className="field-hint">
        at least one; several: each node from the longest table match, else the model
      </small>
    </fieldset>
  );
}

/** The strategy picker with the knobs of the chosen kind. */
export function StrategyForm({ disabled }: { disabled?: boolean }) {
  const strategy = useApp((s) => s.settings.strategy);
  const invalid = useApp((s) => s.invalidInputs.strategy);
  const setSetting = useApp((s) => s.setSetting);
  const [draft, setDraft] = useState<StrategyDraft>(() => draftFromStrategy(strategy));
  const [seen, setSeen] = useState({ strategy, invalid });
  const kindId = useId();
  if (seen.strategy !== strategy || seen.invalid !== invalid) {
    // Changed from outside the form (link, import, reset): adopt it, unless the knobs already say it.
    setSeen({ strategy, invalid });
    if (!invalid && composeStrategy(draft) !== strategy) setDraft((d) => draftFromStrategy(strategy, d));
  }
  const update = (patch: Partial<StrategyDraft>): void => {
    const next = { ...draft, ...patch };
    setDraft(next);
    const text = composeStrategy(next);
    setSetting('strategy', text, text);
  };
  // The store's message: the same one Run gives as its reason, and it survives the form being re-rendered.
  const error = invalid?.error ?? null;

  let knobs: ReactNode = null;
  switch (draft.kind) {
    case 'chain':
      knobs = <TextKnob label="Draft tokens γ" value={draft.gamma} onChange={(gamma) => update({ gamma })} />;
      break;
    case 'tree':
      knobs = (
        <TextKnob
          label="Branching vector"
          inputMode="text"
          value={draft.branching}
          onChange={(branching) => update({ branching })}
          hint="children per level, e.g. 4x2x1"
        />
      );
      break;
    case 'sequoia':
      knobs = (
        <>
          <CheckField
            label="auto budget (measure this device)"
            checked={draft.sequoiaAuto}
            onChange={(sequoiaAuto) => update({ sequoiaAuto })}
          />
          {!draft.sequoiaAuto && (
            <>
              <TextKnob
                label="Node budget"
                value={draft.sequoiaBudget}
                onChange={(v) => update({ sequoiaBudget: v })}
              />
              <TextKnob
                label="Max depth"
                value={draft.sequoiaDepth}
                onChange={(v) => update({ sequoiaDepth: v })}
                hint="empty = unbounded"
              />
            </>
          )}
        </>
      );
      break;
    case 'dyspec':
    case 'dyspec-cal':
      knobs = (
        <>
          <CheckField
            label="auto budget (measure this device)"
            checked={draft.dyspecAuto}
            onChange={(dyspecAuto) => update({ dyspecAuto })}
          />
          {!draft.dyspecAuto && (
            <TextKnob label="Node budget" value={draft.dyspecBudget} onChange={(v) => update({ dyspecBudget: v })} />
          )}
        </>
      );
      break;
    case 'dyspec-t':
      knobs = (
        <>
          <TextKnob
            label="Threshold"
            inputMode="decimal"
            value={draft.threshold}
            onChange={(threshold) => update({ threshold })}
            hint="expand nodes whose estimated reach ≥ this"
          />
          <TextKnob label="Node cap" value={draft.cap} onChange={(cap) => update({ cap })} />
        </>
      );
      break;
    case 'ar':
      break;
  }

  return (
    <fieldset className="panel strategy-form" disabled={disabled}>
      <legend>Strategy</legend>
      <div className="field">
        <label htmlFor={kindId}>Decoding strategy</label>
        <select
          id={kindId}
          value={draft.kind}
          onChange={(e) => update({ kind: e.target.value as StrategyKind })}
          data-testid="strategy-kind"
        >
          {STRATEGY_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      {knobs}
      {draft.kind !== 'ar' && <SourceChoice sources={draft.sources} onChange={(sources) => update({ sources })} />}
      {draft.kind !== 'ar' && draft.sources.includes('corpus') && <DatastorePicker />}
      <p className="strategy-text">
        {error ? (
          <span className="field-error" role="alert">
            {error}
          </span>
        ) : (
          <>
            strategy: <code data-testid="strategy-text">{strategy}</code>
          </>
        )}
      </p>
      <div className="field-row">
        <NumberField field="temperature" label="Temperature" min={0} max={5} step={0.1} hint="0 = greedy" />
        <NumberField field="topP" label="Top-p" min={0.01} max={1} step={0.05} />
        <NumberField field="topK" label="Top-k" min={0} step={1} hint="0 = off" />
      </div>
      <div className="field-row">
        <NumberField field="seed" label="Seed" min={0} step={1} />
        <NumberField field="maxNewTokens" label="Max new tokens" min={1} max={1024} step={1} />
      </div>
    </fieldset>
  );
}
