/**
 * The user's settings: what the page runs and how. Plain data with one validator per field, so the URL hash, the
 * form and the tests all agree on what a valid value is.
 */
import { parseStrategy } from '../core/strategy';
import { CUSTOM_PRESET_ID, findPreset } from './presets';

/** Which onnxruntime-web backend the user asks for; `auto` tries WebGPU and falls back to WASM. */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** Everything a link reproduces. */
export interface Settings {
  /** A preset id from MODEL_PRESETS, or `custom` to use `draftId` / `targetId`. */
  preset: string;
  /** Custom draft source (a hub id or a folder URL); used when `preset` is `custom`. */
  draftId: string;
  /** Custom target source; used when `preset` is `custom`. */
  targetId: string;
  backend: BackendPreference;
  /** Strategy text in the engine's grammar: `ar`, `chain:4`, `tree:4x2x1`, `sequoia:16:5`, `dyspec:16`, ... */
  strategy: string;
  temperature: number;
  topP: number;
  /** 0 turns top-k off. */
  topK: number;
  seed: number;
  maxNewTokens: number;
  prompt: string;
  /** Wrap the prompt in the model's chat template when it has one (instruct models). */
  chat: boolean;
  /** Strategies the compare view runs, comma-separated. */
  compare: string;
  /** Prompts the compare view runs every strategy on, one per line; empty = the prompt above. */
  comparePrompts: string;
  /** Times the comparison runs every (prompt, strategy): with one prompt, the intervals come from the repeats. */
  compareRepeats: number;
  /** Fixed budgets run next to each `auto` strategy of the comparison, comma-separated; empty: none. */
  compareSweep: string;
}

/** The settings a fresh page starts with. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  preset: 'bundled',
  draftId: '',
  targetId: '',
  backend: 'auto',
  strategy: 'dyspec:16',
  temperature: 0,
  topP: 1,
  topK: 0,
  seed: 1,
  maxNewTokens: 48,
  prompt: 'In the beginning',
  chat: true,
  compare:
    'ar,chain:2,chain:4,tree:2x1,tree:2x2x2,tree:4x2x1,sequoia:8,sequoia:16,dyspec:8,dyspec:16,dyspec-cal:4,dyspec-cal:8,dyspec-cal:16',
  comparePrompts: '',
  compareRepeats: 3,
  compareSweep: '',
});

/** Most repeats a comparison may ask for. */
export const MAX_COMPARE_REPEATS = 20;

/** Largest number of new tokens the page asks for in one run (keeps a run to seconds on the bundled pair). */
export const MAX_NEW_TOKENS_LIMIT = 1024;
/**
 * Longest prompt a link carries: longer prompts are kept in the page (the engine's context check is the real limit)
 * but left out of the URL hash, which would get unwieldy to share; the page says so beside the prompt.
 */
export const MAX_LINK_PROMPT_CHARS = 4000;
/** Longest comparison prompt list a link carries (same reason). */
export const MAX_LINK_COMPARE_PROMPTS_CHARS = 4 * MAX_LINK_PROMPT_CHARS;

/** Either a valid value or a message saying what is wrong with the given one. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(error: string): Checked<T> => ({ ok: false, error });

function checkNumber(raw: unknown, name: string, min: number, max: number, integer: boolean): Checked<number> {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  if (!Number.isFinite(n)) return bad(`${name} must be a number, got "${String(raw)}"`);
  if (integer && !Number.isInteger(n)) return bad(`${name} must be a whole number, got ${n}`);
  if (n < min || n > max) return bad(`${name} must be between ${min} and ${max}, got ${n}`);
  return ok(n);
}

/** Checks one strategy text with the engine's parser (its message names the bad part). */
export function checkStrategy(raw: string): Checked<string> {
  try {
    parseStrategy(raw);
    return ok(raw.trim());
  } catch (e) {
    return bad(`strategy "${raw}": ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Checks a comma-separated strategy list (at least one entry). */
export function checkStrategyList(raw: string): Checked<string> {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) return bad('compare needs at least one strategy');
  for (const item of items) {
    const c = checkStrategy(item);
    if (!c.ok) return c;
  }
  return ok(items.join(','));
}

/** Checks a comma-separated list of node budgets (empty: none). */
export function checkBudgetList(raw: string): Checked<string> {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    if (!/^\d+$/.test(item) || Number(item) < 1 || Number(item) > 256)
      return bad(`sweep budgets must be whole numbers from 1 to 256, got "${item}"`);
  }
  return ok(items.join(','));
}

/** The budgets of a sweep list (checked by checkBudgetList). */
export function sweepBudgets(list: string): number[] {
  return list
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
}

/** Per-field validators: each takes a raw value (a string from the hash, or a typed value from the form). */
export const SETTING_CHECKS: { [K in keyof Settings]: (raw: unknown) => Checked<Settings[K]> } = {
  preset: (raw) =>
    typeof raw === 'string' && (raw === CUSTOM_PRESET_ID || findPreset(raw))
      ? ok(raw)
      : bad(`unknown model preset "${String(raw)}"`),
  draftId: (raw) => (typeof raw === 'string' ? ok(raw.trim()) : bad('draft must be text')),
  targetId: (raw) => (typeof raw === 'string' ? ok(raw.trim()) : bad('target must be text')),
  backend: (raw) =>
    raw === 'auto' || raw === 'webgpu' || raw === 'wasm'
      ? ok(raw)
      : bad(`backend must be auto, webgpu or wasm, got "${String(raw)}"`),
  strategy: (raw) => (typeof raw === 'string' ? checkStrategy(raw) : bad('strategy must be text')),
  temperature: (raw) => checkNumber(raw, 'temperature', 0, 5, false),
  topP: (raw) => {
    const c = checkNumber(raw, 'top-p', 0, 1, false);
    return c.ok && c.value === 0 ? bad('top-p must be above 0, got 0') : c;
  },
  topK: (raw) => checkNumber(raw, 'top-k', 0, 1_000_000, true),
  seed: (raw) => checkNumber(raw, 'seed', 0, 0xffffffff, true),
  maxNewTokens: (raw) => checkNumber(raw, 'max new tokens', 1, MAX_NEW_TOKENS_LIMIT, true),
  // Any length, empty included: an empty prompt generates from BOS, and too long a one fails the engine's context check.
  prompt: (raw) => (typeof raw === 'string' ? ok(raw) : bad('prompt must be text')),
  chat: (raw) =>
    raw === true || raw === '1' || raw === 'true'
      ? ok(true)
      : raw === false || raw === '0' || raw === 'false'
        ? ok(false)
        : bad(`chat must be 0 or 1, got "${String(raw)}"`),
  compare: (raw) => (typeof raw === 'string' ? checkStrategyList(raw) : bad('compare must be text')),
  comparePrompts: (raw) => (typeof raw === 'string' ? ok(raw) : bad('compare prompts must be text')),
  compareRepeats: (raw) => checkNumber(raw, 'repeats', 1, MAX_COMPARE_REPEATS, true),
  compareSweep: (raw) => (typeof raw === 'string' ? checkBudgetList(raw) : bad('sweep must be text')),
};

/** The prompts a comparison runs on: the non-empty lines of `comparePrompts`, else the main prompt. */
export function comparisonPrompts(s: Pick<Settings, 'prompt' | 'comparePrompts'>): string[] {
  const lines = s.comparePrompts
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length > 0 ? lines : [s.prompt];
}

/** The model sources the settings select: the preset's pair, or the two custom ids. */
export function selectedSources(s: Settings): { draft: string; target: string } {
  const preset = findPreset(s.preset);
  return preset ? { draft: preset.draft, target: preset.target } : { draft: s.draftId, target: s.targetId };
}
