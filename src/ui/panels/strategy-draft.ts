/**
 * The strategy form's editable state: one text field per knob of every kind (so switching kinds keeps what was
 * typed) and the draft sources, parsed from and composed into the engine's strategy text (`dyspec:16`, `tree:4x2x1`,
 * `chain:4@context`, ...).
 */
import type { DraftSourceName, STRATEGY_KINDS } from '../../core/strategy';
import {
  DEFAULT_SOURCES,
  DEFAULT_THRESHOLD_CAP,
  DRAFT_SOURCES,
  formatStrategy,
  parseStrategy,
  sourcesOf,
} from '../../core/strategy';

/** A strategy kind, as the form lists them. */
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** Human labels of the kinds. */
export const KIND_LABELS: Record<StrategyKind, string> = {
  ar: 'Autoregressive (target only)',
  chain: 'Chain (classic speculative sampling)',
  tree: 'Fixed tree (branching vector)',
  sequoia: 'Sequoia-optimal tree',
  dyspec: 'DySpec dynamic tree (node budget)',
  'dyspec-cal': 'Calibrated DySpec (learned acceptance)',
  'dyspec-t': 'DySpec dynamic tree (threshold)',
};

/** Every knob as typed. */
export interface StrategyDraft {
  kind: StrategyKind;
  gamma: string;
  branching: string;
  sequoiaBudget: string;
  sequoiaDepth: string;
  sequoiaAuto: boolean;
  dyspecBudget: string;
  dyspecAuto: boolean;
  threshold: string;
  cap: string;
  /** Where drafts come from (canonical order, at least one); every kind but `ar` uses them. */
  sources: readonly DraftSourceName[];
}

/** Human labels of the draft sources, as the form offers them. */
export const SOURCE_OPTIONS: Record<DraftSourceName, { label: string; hint: string }> = {
  model: { label: 'model', hint: 'the draft network' },
  context: { label: 'context', hint: 'prompt lookup: the prompt and the output so far' },
  corpus: { label: 'corpus', hint: 'a corpus datastore (the target’s, or one built from your text)' },
};

/** Knob values a fresh form shows for kinds the current strategy does not use. */
export const DEFAULT_DRAFT: StrategyDraft = {
  kind: 'dyspec',
  gamma: '4',
  branching: '4x2x1',
  sequoiaBudget: '16',
  sequoiaDepth: '',
  sequoiaAuto: false,
  dyspecBudget: '16',
  dyspecAuto: false,
  threshold: '0.05',
  cap: String(DEFAULT_THRESHOLD_CAP),
  sources: DEFAULT_SOURCES,
};

/**
 * The sources with `source` turned on or off, in canonical order. Turning off the last one changes nothing: a
 * speculative strategy drafts from at least one source.
 */
export function toggleSource(
  sources: readonly DraftSourceName[],
  source: DraftSourceName,
  on: boolean,
): readonly DraftSourceName[] {
  const next = DRAFT_SOURCES.filter((s) => (s === source ? on : sources.includes(s)));
  return next.length === 0 ? sources : next;
}

/** The draft for a strategy text, keeping `base`'s values for the knobs the strategy does not set. */
export function draftFromStrategy(text: string, base: StrategyDraft = DEFAULT_DRAFT): StrategyDraft {
  let s;
  try {
    s = parseStrategy(text);
  } catch {
    return base;
  }
  if (s.kind !== 'ar') base = { ...base, sources: sourcesOf(s) };
  switch (s.kind) {
    case 'ar':
      return { ...base, kind: 'ar' };
    case 'chain':
      return { ...base, kind: 'chain', gamma: String(s.gamma) };
    case 'tree':
      return { ...base, kind: 'tree', branching: s.branching.join('x') };
    case 'sequoia':
      return s.budget === 'auto'
        ? { ...base, kind: 'sequoia', sequoiaAuto: true }
        : {
            ...base,
            kind: 'sequoia',
            sequoiaAuto: false,
            sequoiaBudget: String(s.budget),
            sequoiaDepth: s.maxDepth === null ? '' : String(s.maxDepth),
          };
    case 'dyspec':
    case 'dyspec-cal':
      return s.budget === 'auto'
        ? { ...base, kind: s.kind, dyspecAuto: true }
        : { ...base, kind: s.kind, dyspecAuto: false, dyspecBudget: String(s.budget) };
    case 'dyspec-t':
      return { ...base, kind: 'dyspec-t', threshold: String(s.threshold), cap: String(s.cap) };
  }
}

/**
 * The strategy text a draft describes (possibly invalid; the store's check says why). A valid shape gets its sources
 * through formatStrategy, so the text is the engine's canonical form (`chain:4@context+model`, no `@model`).
 */
export function composeStrategy(d: StrategyDraft): string {
  const shape = composeShape(d);
  if (d.kind === 'ar') return shape;
  let spec;
  try {
    spec = parseStrategy(shape);
  } catch {
    return sameList(d.sources, DEFAULT_SOURCES) ? shape : `${shape}@${d.sources.join('+')}`;
  }
  return spec.kind === 'ar' ? shape : formatStrategy({ ...spec, sources: d.sources });
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The strategy's shape and budget as text, without its sources. */
function composeShape(d: StrategyDraft): string {
  switch (d.kind) {
    case 'ar':
      return 'ar';
    case 'chain':
      return `chain:${d.gamma.trim()}`;
    case 'tree':
      return `tree:${d.branching.trim().replace(/\s+/g, '')}`;
    case 'sequoia':
      if (d.sequoiaAuto) return 'sequoia:auto';
      return `sequoia:${d.sequoiaBudget.trim()}${d.sequoiaDepth.trim() === '' ? '' : `:${d.sequoiaDepth.trim()}`}`;
    case 'dyspec':
    case 'dyspec-cal':
      return d.dyspecAuto ? `${d.kind}:auto` : `${d.kind}:${d.dyspecBudget.trim()}`;
    case 'dyspec-t':
      // The default cap is left out, as formatStrategy does, so the URL keeps the short form.
      return `dyspec-t:${d.threshold.trim()}${[String(DEFAULT_THRESHOLD_CAP), ''].includes(d.cap.trim()) ? '' : `:${d.cap.trim()}`}`;
  }
}
