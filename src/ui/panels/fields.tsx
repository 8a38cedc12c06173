/**
 * Labelled form fields bound to one setting. Each keeps the text being typed locally, commits it to the store when
 * it is valid, and shows the store's message when it is not (so a half-typed "0." never resets the field).
 */
import { useId, useState } from 'react';
import type { Settings } from '../../store/settings';
import { useApp } from '../../store/store';

type NumericKey = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings];

/** Props of NumberField. */
export interface NumberFieldProps {
  field: NumericKey;
  label: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** Short help under the field. */
  hint?: string;
  disabled?: boolean;
}

/** A number input for one numeric setting. */
export function NumberField({ field, label, min, max, step = 'any', hint, disabled }: NumberFieldProps) {
  const value = useApp((s) => s.settings[field]);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The store changed from elsewhere (a pasted link, reset): show its value.
    setShown(value);
    if (Number(text) !== value) setText(String(value));
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step}
        value={text}
        disabled={disabled}
        aria-invalid={error !== null}
        aria-describedby={error || hint ? `${id}-msg` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const message = setSetting(field, e.target.value === '' ? NaN : Number(e.target.value));
          setError(message);
        }}
      />
      {(error || hint) && (
        <small id={`${id}-msg`} className={error ? 'field-error' : 'field-hint'}>
          {error ?? hint}
        </small>
      )}
    </div>
  );
}

/** Props of CheckField. */
export interface CheckFieldProps {
  checked: boolean;
  label: string;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  hint?: string;
}

/** A labelled checkbox. */
export function CheckField({ checked, label, onChange, disabled, hint }: CheckFieldProps) {
  const id = useId();
  return (
    <div className="field field-check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id} title={hint}>
        {label}
      </label>
    </div>
  );
}
