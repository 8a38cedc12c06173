/**
 * Colours shared by every view (tree, output stream, charts, legends), so one token kind or one strategy family
 * has one colour everywhere. Plain hex strings: usable in CSS, SVG attributes and exported images alike.
 */
import type { DraftSourceName } from '../core/strategy';
import { familyOf, type Family } from './layout/comparison';

/** Where a token or tree node came from / what the verifier decided. */
export const TOKEN_COLORS = {
  /** The user's prompt. */
  prompt: '#6b7280',
  /** The tree root: the previous step's last token (already committed). */
  root: '#374151',
  /** Draft tokens the target accepted. */
  accepted: '#16a34a',
  /** The target's own token after the accepted path (bonus / correction). */
  bonus: '#7c3aed',
  /** Draft tokens the target rejected. */
  rejected: '#dc2626',
  /** Draft tokens the verifier never reached. */
  unvisited: '#9ca3af',
} as const;

/** Light backgrounds for tokens in running text (same hues as TOKEN_COLORS). */
export const TOKEN_BACKGROUNDS = {
  prompt: '#f3f4f6',
  accepted: '#dcfce7',
  bonus: '#ede9fe',
  rejected: '#fee2e2',
  unvisited: '#f3f4f6',
} as const;

/** Human names of the token kinds, for legends. */
export const TOKEN_LABELS = {
  prompt: 'prompt',
  root: 'root (previous token)',
  accepted: 'accepted draft token',
  bonus: 'target (bonus) token',
  rejected: 'rejected draft token',
  unvisited: 'not examined',
} as const;

/**
 * One colour per draft source: accepted tokens in the output are drawn in their source's colour (the draft model's
 * is the accepted green), and tree nodes drawn by a table source wear a ring of it.
 */
export const SOURCE_COLORS: Record<DraftSourceName, string> = {
  model: TOKEN_COLORS.accepted,
  context: '#2563eb',
  corpus: '#a16207',
};

/** Light backgrounds of accepted tokens in running text, by source (same hues as SOURCE_COLORS). */
export const SOURCE_BACKGROUNDS: Record<DraftSourceName, string> = {
  model: TOKEN_BACKGROUNDS.accepted,
  context: '#dbeafe',
  corpus: '#fef9c3',
};

/** Human names of the draft sources, for legends and tooltips. */
export const SOURCE_LABELS: Record<DraftSourceName, string> = {
  model: 'draft model',
  context: 'context lookup',
  corpus: 'corpus datastore',
};

/** One colour per strategy family (the strategy kinds of the grammar). */
export const FAMILY_COLORS: Record<Family, string> = {
  ar: '#6b7280',
  chain: '#d97706',
  tree: '#2563eb',
  sequoia: '#0d9488',
  dyspec: '#db2777',
  'dyspec-cal': '#7c3aed',
  'dyspec-t': '#65a30d',
};

/** Human names of the strategy families, for legends. */
export const FAMILY_LABELS: Record<Family, string> = {
  ar: 'autoregressive',
  chain: 'chain',
  tree: 'fixed tree',
  sequoia: 'Sequoia',
  dyspec: 'DySpec (dynamic)',
  'dyspec-cal': 'DySpec, calibrated',
  'dyspec-t': 'DySpec, threshold',
};

/** The colour of a strategy family: the one function every chart colours strategies with. */
export function familyColor(family: Family): string {
  return FAMILY_COLORS[family];
}

/**
 * The colour of a strategy, from its family as the engine's parser reads it (`chain:2` and `chain:4@context` share
 * the chain colour).
 * @throws InvalidSettingError for text outside the grammar
 */
export function strategyColor(strategy: string): string {
  return familyColor(familyOf(strategy));
}

/** Colours for series that are not families (e.g. one line per strategy); cycle through them. */
export const SERIES_COLORS: readonly string[] = [
  '#2563eb',
  '#db2777',
  '#0d9488',
  '#d97706',
  '#7c3aed',
  '#65a30d',
  '#0891b2',
  '#b91c1c',
  '#4b5563',
  '#c026d3',
];

/** Neutral colours of chart furniture. */
export const CHART_COLORS = {
  axis: '#4b5563',
  grid: '#e5e7eb',
  text: '#111827',
  reference: '#6b7280',
  focus: '#f59e0b',
} as const;

/** Font stack for SVG text (kept explicit so exported SVG/PNG look the same). */
export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** Monospace font stack for token text. */
export const MONO_FONT_FAMILY = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
