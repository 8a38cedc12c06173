/**
 * The output as running text: the prompt, then each step's emitted tokens, coloured by origin (accepted draft tokens
 * in the colour of the source that drew them: draft model, context lookup or corpus datastore; the target's bonus
 * token in its own). Hovering or focusing a token highlights its step; click or Enter selects the step.
 * Token text is rendered as React text nodes only.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import type { FocusEvent, KeyboardEvent, MouseEvent } from 'react';
import type { StepRecord } from '../../core/step';
import { displayToken } from '../layout/display-token';
import { emittedSources, legendSources, streamCounts } from '../layout/token-stream';
import {
  CHART_COLORS,
  MONO_FONT_FAMILY,
  SOURCE_BACKGROUNDS,
  SOURCE_COLORS,
  SOURCE_LABELS,
  TOKEN_BACKGROUNDS,
  TOKEN_COLORS,
  TOKEN_LABELS,
} from '../theme';

/** Props of TokenStream. */
export interface TokenStreamProps {
  promptText: string;
  steps: StepRecord[];
  /** Decodes a token id to its text. */
  tokenText: (id: number) => string;
  /** Position in `steps` of the selected step (equal to StepRecord.index for a full run), or null. */
  selectedStep: number | null;
  /** Called with the index (into `steps`) of a step the user picks. */
  onSelectStep: (index: number) => void;
}

interface StepTokensProps {
  step: StepRecord;
  position: number;
  tokenText: (id: number) => string;
  highlighted: boolean;
  selected: boolean;
}

/** Text shown for a token in running text: as is, except that an empty token or a lone whitespace shows a mark. */
function streamText(text: string): string {
  return text.length === 0 ? displayToken(text) : text;
}

/** One step's tokens; re-renders only when its own highlight or selection changes. */
const StepTokens = memo(function StepTokens({ step, position, tokenText, highlighted, selected }: StepTokensProps) {
  const sources = emittedSources(step);
  const className = `step${highlighted ? ' step-highlighted' : ''}${selected ? ' step-selected' : ''}`;
  return (
    <span
      className={className}
      data-step={position}
      style={{
        outline: selected
          ? `2px solid ${CHART_COLORS.focus}`
          : highlighted
            ? `1px dashed ${CHART_COLORS.axis}`
            : 'none',
        outlineOffset: 1,
        borderRadius: 3,
      }}
    >
      {step.emitted.map((id, i) => {
        const source = sources[i];
        const text = tokenText(id);
        const origin = source ? `${TOKEN_LABELS.accepted} (${SOURCE_LABELS[source]})` : TOKEN_LABELS.bonus;
        return (
          <span
            key={i}
            className={source ? `tok tok-accepted tok-src-${source}` : 'tok tok-bonus'}
            data-step={position}
            data-source={source ?? 'target'}
            tabIndex={0}
            role="button"
            aria-pressed={selected}
            aria-label={`step ${step.index}, ${origin}: ${displayToken(text)}`}
            title={`step ${step.index} · ${origin} · id ${id}`}
            style={{
              background: source ? SOURCE_BACKGROUNDS[source] : TOKEN_BACKGROUNDS.bonus,
              borderBottom: `2px solid ${source ? SOURCE_COLORS[source] : TOKEN_COLORS.bonus}`,
              cursor: 'pointer',
            }}
          >
            {streamText(text)}
          </span>
        );
      })}
    </span>
  );
});

/** Step position of the token element an event came from, or null. */
function stepOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const el = target.closest('[data-step]');
  if (!el) return null;
  const n = Number(el.getAttribute('data-step'));
  return Number.isInteger(n) ? n : null;
}

/** The prompt and the generated tokens, coloured by origin. */
export function TokenStream({ promptText, steps, tokenText, selectedStep, onSelectStep }: TokenStreamProps) {
  const [hovered, setHovered] = useState<number | null>(null);
  const counts = useMemo(() => streamCounts(steps), [steps]);

  const onOver = useCallback((e: MouseEvent | FocusEvent) => setHovered(stepOf(e.target)), []);
  const onOut = useCallback(() => setHovered(null), []);
  const onClick = useCallback(
    (e: MouseEvent) => {
      const s = stepOf(e.target);
      if (s !== null) onSelectStep(s);
    },
    [onSelectStep],
  );
  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      const s = stepOf(e.target);
      if (s === null) return;
      e.preventDefault();
      onSelectStep(s);
    },
    [onSelectStep],
  );

  return (
    <div className="token-stream">
      <p className="token-stream-summary" style={{ margin: '0 0 4px', fontSize: 12, color: CHART_COLORS.axis }}>
        <span className="legend-entry">
          <Swatch color={TOKEN_COLORS.prompt} /> {TOKEN_LABELS.prompt}
        </span>
        {legendSources(counts).map((source) => (
          <span key={source} className="legend-entry" data-source={source}>
            <Swatch color={SOURCE_COLORS[source]} /> accepted: {SOURCE_LABELS[source]} ({counts.accepted[source]})
          </span>
        ))}
        <span className="legend-entry">
          <Swatch color={TOKEN_COLORS.bonus} /> {TOKEN_LABELS.bonus} ({counts.bonus})
        </span>
      </p>
      <div
        className="token-stream-text"
        aria-label="Generated text; each token is a button that selects its step"
        role="group"
        style={{
          fontFamily: MONO_FONT_FAMILY,
          fontSize: 13,
          lineHeight: 1.7,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-word',
        }}
        onMouseOver={onOver}
        onMouseLeave={onOut}
        onFocus={onOver}
        onBlur={onOut}
        onClick={onClick}
        onKeyDown={onKeyDown}
      >
        <span className="tok-prompt" style={{ color: TOKEN_COLORS.prompt, background: TOKEN_BACKGROUNDS.prompt }}>
          {promptText}
        </span>
        {steps.map((step, i) => (
          <StepTokens
            key={i}
            step={step}
            position={i}
            tokenText={tokenText}
            highlighted={hovered === i}
            selected={selectedStep === i}
          />
        ))}
      </div>
    </div>
  );
}

/** A small colour square for the inline legend. */
function Swatch({ color }: { color: string }) {
  return (
    <span
      aria-hidden="true"
      style={{ display: 'inline-block', width: 10, height: 10, background: color, borderRadius: 2, marginLeft: 6 }}
    />
  );
}
