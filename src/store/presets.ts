/**
 * Model pairs the picker offers. A pair is a draft and a target that share one tokenizer (same ids, same strings),
 * which speculative decoding needs: the draft proposes token ids that the target verifies.
 */

/** One selectable draft/target pair. */
export interface ModelPreset {
  /** Stable id used in the URL hash. */
  id: string;
  label: string;
  /** Model sources: a folder under the site's `models/` (bundled) or a Hugging Face model id. */
  draft: string;
  target: string;
  /** Whether the models ship locally with the page (no network needed). */
  bundled: boolean;
  /** Rough download size, shown before loading (bundled pairs: none). */
  note: string;
}

/** The pair shipped in `models/` (trained by the project); the default, and the only one that works offline. */
export const BUNDLED_PRESET: ModelPreset = {
  id: 'bundled',
  label: 'Bundled pair (specdec-draft → specdec-target)',
  draft: './models/specdec-draft',
  target: './models/specdec-target',
  bundled: true,
  note: 'ships with the page, works offline',
};

/** Every preset, bundled first. Hub pairs are Llama/Qwen2 family models the runtime compiles. */
export const MODEL_PRESETS: readonly ModelPreset[] = [
  BUNDLED_PRESET,
  {
    id: 'smollm2',
    label: 'SmolLM2-135M-Instruct → SmolLM2-360M-Instruct',
    draft: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    target: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    bundled: false,
    note: 'downloads about 1 GB from the Hugging Face hub (cached afterwards)',
  },
  {
    id: 'qwen2.5',
    label: 'Qwen2.5-0.5B-Instruct → Qwen2.5-1.5B-Instruct',
    draft: 'Qwen/Qwen2.5-0.5B-Instruct',
    target: 'Qwen/Qwen2.5-1.5B-Instruct',
    bundled: false,
    note: 'downloads about 4 GB from the Hugging Face hub (cached afterwards)',
  },
];

/** The id used when the user types two model ids of their own. */
export const CUSTOM_PRESET_ID = 'custom';

/** Finds a preset by id (undefined for `custom` or an unknown id). */
export function findPreset(id: string): ModelPreset | undefined {
  return MODEL_PRESETS.find((p) => p.id === id);
}
