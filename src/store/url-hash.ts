/**
 * Settings <-> URL hash. The hash is a query string (`#strategy=dyspec%3A16&temperature=0&...`) so links stay
 * readable. Decoding never throws: a bad or unknown value falls back to the default and adds a notice the page shows.
 */
import {
  DEFAULT_SETTINGS,
  MAX_LINK_COMPARE_PROMPTS_CHARS,
  MAX_LINK_PROMPT_CHARS,
  SETTING_CHECKS,
  type Settings,
} from './settings';

/** Hash key for each setting (short, stable names: they are part of every shared link). */
export const HASH_KEYS: { readonly [K in keyof Settings]: string } = {
  preset: 'model',
  draftId: 'draft',
  targetId: 'target',
  backend: 'backend',
  strategy: 'strategy',
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  seed: 'seed',
  maxNewTokens: 'max_tokens',
  prompt: 'prompt',
  chat: 'chat',
  compare: 'compare',
  comparePrompts: 'compare_prompts',
  compareRepeats: 'compare_repeats',
  compareSweep: 'compare_sweep',
};

const FIELDS = Object.keys(HASH_KEYS) as (keyof Settings)[];

/** The longest text of each setting a link carries (a link stays shareable; the page keeps longer text). */
export const LINK_TEXT_LIMITS: Partial<Record<keyof Settings, number>> = {
  prompt: MAX_LINK_PROMPT_CHARS,
  comparePrompts: MAX_LINK_COMPARE_PROMPTS_CHARS,
};

/** The settings too long for a link: the hash leaves them out, so a shared link opens with their defaults. */
export function omittedFromLink(s: Settings): (keyof Settings)[] {
  return (Object.keys(LINK_TEXT_LIMITS) as (keyof Settings)[]).filter(
    (field) => String(s[field]).length > (LINK_TEXT_LIMITS[field] ?? Infinity),
  );
}

/**
 * Writes settings as a hash string (with the leading `#`). Custom model ids only appear for the custom preset, and
 * text over its link limit (see omittedFromLink) not at all.
 */
export function encodeSettingsHash(s: Settings): string {
  const params = new URLSearchParams();
  const omitted = omittedFromLink(s);
  for (const field of FIELDS) {
    if ((field === 'draftId' || field === 'targetId') && s.preset !== 'custom') continue;
    if (omitted.includes(field)) continue;
    const value = s[field];
    params.set(HASH_KEYS[field], typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return `#${params.toString()}`;
}

/** What decoding found: the settings to use and one notice per value that was ignored. */
export interface DecodedHash {
  settings: Settings;
  notices: string[];
  /** Whether the hash named any setting at all (an empty hash means "use the defaults", silently). */
  present: boolean;
}

/**
 * Reads settings from a hash (with or without `#`). Missing keys take the defaults; invalid values take the defaults
 * and add a notice naming the key and the problem; unknown keys add a notice too.
 */
export function decodeSettingsHash(hash: string, defaults: Settings = DEFAULT_SETTINGS): DecodedHash {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const settings: Settings = { ...defaults };
  const notices: string[] = [];
  if (text.trim() === '') return { settings, notices, present: false };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { settings, notices: ['the link settings could not be read; using the defaults'], present: true };
  }
  const known = new Set(Object.values(HASH_KEYS));
  for (const key of new Set(params.keys())) {
    if (!known.has(key)) notices.push(`unknown setting "${key}" in the link was ignored`);
  }
  for (const field of FIELDS) {
    const raw = params.get(HASH_KEYS[field]);
    if (raw === null) continue;
    const checked = SETTING_CHECKS[field](raw);
    if (checked.ok) (settings as unknown as Record<string, unknown>)[field] = checked.value;
    else notices.push(`${HASH_KEYS[field]}: ${checked.error}; using the default (${String(defaults[field])})`);
  }
  if (settings.preset === 'custom' && (settings.draftId === '' || settings.targetId === '')) {
    notices.push('model: custom needs both draft and target ids; using the bundled pair');
    settings.preset = defaults.preset === 'custom' ? 'bundled' : defaults.preset;
  }
  return { settings, notices, present: true };
}
