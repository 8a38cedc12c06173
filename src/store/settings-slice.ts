/**
 * Settings slice: the form's values (mirrored in the URL hash by url-sync.ts) and the notices from a link whose
 * values could not be used.
 */
import type { StateCreator } from 'zustand';
import { decodeSettingsHash } from './url-hash';
import { DEFAULT_SETTINGS, SETTING_CHECKS, type Settings } from './settings';
import type { AppState } from './app-state';

/** State and actions of the settings slice. */
export interface SettingsSlice {
  settings: Settings;
  /** Why values from the link were replaced by defaults (shown until dismissed). */
  hashNotices: string[];
  /**
   * Sets one setting after checking it; an invalid value changes nothing.
   * @returns null when applied, else the message saying what is wrong
   */
  setSetting<K extends keyof Settings>(key: K, value: Settings[K]): string | null;
  /** Replaces the settings with those a URL hash describes (invalid values -> defaults + notices). */
  applyHash(hash: string): void;
  /** Back to the defaults. */
  resetSettings(): void;
  dismissHashNotices(): void;
}

/** Creates the settings slice. */
export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set, get) => ({
  settings: { ...DEFAULT_SETTINGS },
  hashNotices: [],
  setSetting: (key, value) => {
    const checked = SETTING_CHECKS[key](value);
    if (!checked.ok) return checked.error;
    if (get().settings[key] !== checked.value) set((s) => ({ settings: { ...s.settings, [key]: checked.value } }));
    return null;
  },
  applyHash: (hash) => {
    const { settings, notices } = decodeSettingsHash(hash);
    set({ settings, hashNotices: notices });
  },
  resetSettings: () => set({ settings: { ...DEFAULT_SETTINGS }, hashNotices: [] }),
  dismissHashNotices: () => set({ hashNotices: [] }),
});
