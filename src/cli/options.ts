/** Option declarations shared by several commands, so their names, defaults and help text agree. */
import { InvalidSettingError } from '../core/errors';
import { validateSamplingParams, type SamplingParams } from '../core/sampling';
import { parseStrategy } from '../core/strategy';
import { int, num, Opt, text, UsageError } from './args';
import { MAX_WASM_THREADS } from '../runtime/session';
import { DEFAULT_DRAFT, DEFAULT_TARGET } from './models';

/** A strategy text, checked with the engine's own parser so its message (e.g. the accepted kinds) reaches the user. */
export function strategyOption(description: string): Opt<string, false> {
  return Opt.of(
    (raw, flag) => {
      try {
        parseStrategy(raw);
      } catch (error) {
        if (error instanceof InvalidSettingError) throw new UsageError(`${flag}: ${error.message}`);
        throw error;
      }
      return raw.trim().toLowerCase();
    },
    'S',
    description,
  );
}

/** --draft / --target / --threads. */
export const modelOptions = {
  draft: text('SRC', 'draft model: a folder, hf:org/name[@rev] or an http(s) URL').default(DEFAULT_DRAFT),
  target: text('SRC', 'target model, same forms as --draft').default(DEFAULT_TARGET),
  threads: int(
    'N',
    `onnxruntime WASM threads (the page uses up to ${MAX_WASM_THREADS} where cross-origin isolated)`,
    1,
    MAX_WASM_THREADS,
  ).default(1),
  datastore: text(
    'FILE',
    "corpus datastore of @corpus strategies: a text file to index with the pair's tokenizer, or a datastore file " +
      "(default: the target folder's datastore.bin)",
  ),
};

/** --temperature / --top-p / --top-k with a command-specific default temperature. */
export function samplingOptions(temperature: number) {
  return {
    temperature: num('T', 'sampling temperature; 0 = greedy').default(temperature),
    topP: num('P', 'nucleus sampling mass in (0, 1]').default(1),
    topK: int('K', 'keep only the K most likely tokens; 0 = off', 0).default(0),
  };
}

/** --seed. */
export const seedOption = int('K', 'random seed (the same seed gives the same run)', 0).default(0);

/**
 * Sampling parameters from parsed options, validated by the engine.
 * @throws UsageError naming the flag of the first bad field
 */
export function toSamplingParams(o: { temperature: number; topP: number; topK: number }): SamplingParams {
  const params: SamplingParams = { temperature: o.temperature, topP: o.topP, topK: o.topK };
  try {
    validateSamplingParams(params);
  } catch (error) {
    if (error instanceof InvalidSettingError) throw new UsageError(error.message);
    throw error;
  }
  return params;
}
