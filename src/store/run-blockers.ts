/**
 * Why a run cannot start: a form field holding a value the store refused (the store still has the old, valid one,
 * so running would silently use it), or a corpus strategy without its datastore. One pure function per question,
 * used by every run button (Run, Next step, the AR baseline, the comparison) and by the actions themselves.
 */
import type { AppState } from './app-state';
import { datastoreBlocker } from './datastore-slice';
import type { Settings } from './settings';

/** A value typed into a field that its check refused: the text as typed and the check's message. */
export interface InvalidInput {
  raw: string;
  error: string;
}

/** The refused inputs by setting (a setting is absent while its field holds a valid value). */
export type InvalidInputs = Partial<Record<keyof Settings, InvalidInput>>;

/** What a run button starts; each reads its own set of settings. */
export type RunPurpose = 'run' | 'baseline' | 'compare';

/** The name of each setting as the page's labels and messages write it (lower case, to start a sentence part). */
export const FIELD_NAMES: { readonly [K in keyof Settings]: string } = {
  preset: 'model pair',
  draftId: 'draft model',
  targetId: 'target model',
  backend: 'backend',
  strategy: 'strategy',
  temperature: 'temperature',
  topP: 'top-p',
  topK: 'top-k',
  seed: 'seed',
  maxNewTokens: 'max new tokens',
  prompt: 'prompt',
  chat: 'chat template',
  compare: 'strategies to compare',
  comparePrompts: 'compare prompts',
  compareRepeats: 'repeats',
  compareSweep: 'sweep budgets',
};

/** Settings every generation reads: the pair, the backend, the prompt and the sampling settings. */
const COMMON: readonly (keyof Settings)[] = [
  'preset',
  'draftId',
  'targetId',
  'backend',
  'prompt',
  'chat',
  'temperature',
  'topP',
  'topK',
  'seed',
  'maxNewTokens',
];

/** The settings each purpose reads, in the order the page shows them (so the first reason is the topmost field). */
export const FIELDS_READ: { readonly [P in RunPurpose]: readonly (keyof Settings)[] } = {
  run: ['strategy', ...COMMON],
  baseline: COMMON,
  compare: [...COMMON, 'compare', 'comparePrompts', 'compareRepeats', 'compareSweep'],
};

/** One refused field: which, its name, and the message saying what is wrong. */
export interface InvalidField {
  field: keyof Settings;
  name: string;
  error: string;
}

/** The refused fields among those `purpose` reads, in page order. */
export function invalidFields(inputs: InvalidInputs, purpose: RunPurpose): InvalidField[] {
  return FIELDS_READ[purpose].flatMap((field) => {
    const input = inputs[field];
    return input ? [{ field, name: FIELD_NAMES[field], error: input.error }] : [];
  });
}

/** A refused field as one line that names it ("max new tokens must be between 1 and 1024, got -5"). */
export function describeInvalid(f: InvalidField): string {
  // Most checks' messages start with the field's name already; the others get it in front.
  return f.error.toLowerCase().startsWith(f.name) ? f.error : `${f.name}: ${f.error}`;
}

/** Every refused field `purpose` reads as one sentence ("invalid field: ..."), or null when there is none. */
export function invalidFieldsReason(inputs: InvalidInputs, purpose: RunPurpose): string | null {
  const invalid = invalidFields(inputs, purpose);
  if (invalid.length === 0) return null;
  return `invalid field${invalid.length === 1 ? '' : 's'}: ${invalid.map(describeInvalid).join('; ')}`;
}

/**
 * Why `purpose` cannot start now, or null when it can: the refused fields it reads (invalidFieldsReason), else a
 * corpus strategy whose datastore is missing or still being built.
 */
export function runBlocker(
  s: Pick<AppState, 'invalidInputs' | 'settings' | 'loaded' | 'datastore' | 'datastoreStatus'>,
  purpose: RunPurpose,
): string | null {
  const invalid = invalidFieldsReason(s.invalidInputs, purpose);
  if (invalid) return invalid;
  if (purpose === 'baseline') return null; // `ar` drafts from nothing
  return datastoreBlocker(purpose === 'run' ? [s.settings.strategy] : s.settings.compare.split(','), s);
}
