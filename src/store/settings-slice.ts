/**
 * Settings slice: the form's values (mirrored in the URL hash by url-sync.ts), the values typed into fields that were
 * refused (so every run button can say which field stops it, see run-blockers.ts), and the notices from a link whose
 * values could not be used.
 */
import type { StateCreator } from 'zustand';
import { decodeSettingsHash } from './url-hash';
import { DEFAULT_SETTINGS, SETTING_CHECKS, type Settings } from './settings';
import type { AppState } from './app-state';
import type { InvalidInputs } from './run-blockers';

/** State and actions of the settings slice. */
export interface SettingsSlice {
  settings: Settings;
  /**
   * Fields whose last typed value was refused, with that text and why. `settings` keeps the last valid value, which
   * no run may use silently: runBlocker refuses while any field a run reads is here.
   */
  invalidInputs: InvalidInputs;
  /** Why values from the link were replaced by defaults (shown until dismissed). */
  hashNotices: string[];
  /**
   * Sets one setting after checking it. An invalid value leaves the setting as it was and is recorded in
   * `invalidInputs` (until a valid value for the same setting arrives).
   * @param raw the text as typed, kept with a refused value (default: `String(value)`)
   * @returns null when applied, else the message saying what is wrong
   */
  setSetting<K extends keyof Settings>(key: K, value: Settings[K], raw?: string): string | null;
  /** Replaces the settings with those a URL hash describes (invalid values -> defaults + notices; fields re-read). */
  applyHash(hash: string): void;
  /** Back to the defaults (fields re-read, refused inputs dropped). */
  resetSettings(): void;
  dismissHashNotices(): void;
}

/** Creates the settings slice. */
export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set, get) => ({
  settings: { ...DEFAULT_SETTINGS },
  invalidInputs: {},
  hashNotices: [],
  setSetting: (key, value, raw = String(value)) => {
    const checked = SETTING_CHECKS[key](value);
    const before = get().invalidInputs[key];
    if (!checked.ok) {
      if (before?.raw !== raw || before.error !== checked.error) {
        set((s) => ({ invalidInputs: { ...s.invalidInputs, [key]: { raw, error: checked.error } } }));
      }
      return checked.error;
    }
    const changed = get().settings[key] !== checked.value;
    if (changed || before) {
      set((s) => ({
        ...(changed ? { settings: { ...s.settings, [key]: checked.value } } : {}),
        ...(before ? { invalidInputs: withoutKey(s.invalidInputs, key) } : {}),
      }));
    }
    return null;
  },
  applyHash: (hash) => {
    const { settings, notices } = decodeSettingsHash(hash);
    set({ settings, invalidInputs: {}, hashNotices: notices });
  },
  resetSettings: () => set({ settings: { ...DEFAULT_SETTINGS }, invalidInputs: {}, hashNotices: [] }),
  dismissHashNotices: () => set({ hashNotices: [] }),
});

function withoutKey(inputs: InvalidInputs, key: keyof Settings): InvalidInputs {
  const rest = { ...inputs };
  delete rest[key];
  return rest;
}
