/**
 * Labelled form fields bound to one setting. A number field keeps the text being typed (so a half-typed "0." never
 * resets it), commits it to the store when valid, and otherwise leaves it with the store as a refused input: the
 * message shown under the field and the reason the run buttons give both come from there.
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

/** The number a field's text means; NaN for an empty field (Number('') would be 0). */
const parseNumber = (text: string): number => (text.trim() === '' ? NaN : Number(text));

/** A number input for one numeric setting. */
export function NumberField({ field, label, min, max, step = 'any', hint, disabled }: NumberFieldProps) {
  const value = useApp((s) => s.settings[field]);
  const invalid = useApp((s) => s.invalidInputs[field]);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();
  const [text, setText] = useState(() => invalid?.raw ?? String(value));
  const [seen, setSeen] = useState({ value, invalid });
  if (seen.value !== value || seen.invalid !== invalid) {
    // The store changed: a value from elsewhere (a pasted link, reset), or the refused input dropped. Show the value,
    // unless the text already means it.
    setSeen({ value, invalid });
    if (!invalid && parseNumber(text) !== value) setText(String(value));
  }
  const error = invalid?.error ?? null;
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
          setSetting(field, parseNumber(e.target.value), e.target.value);
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
