/**
 * The strategy form's editable state: one text field per knob of every kind (so switching kinds keeps what was
 * typed), parsed from and composed into the engine's strategy text (`dyspec:16`, `tree:4x2x1`, ...).
 */
import type { STRATEGY_KINDS } from '../../core/strategy';
import { DEFAULT_THRESHOLD_CAP, parseStrategy } from '../../core/strategy';

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
}

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
};

/** The draft for a strategy text, keeping `base`'s values for the knobs the strategy does not set. */
export function draftFromStrategy(text: string, base: StrategyDraft = DEFAULT_DRAFT): StrategyDraft {
  let s;
  try {
    s = parseStrategy(text);
  } catch {
    return base;
  }
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

/** The strategy text a draft describes (possibly invalid; the store's check says why). */
export function composeStrategy(d: StrategyDraft): string {
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
