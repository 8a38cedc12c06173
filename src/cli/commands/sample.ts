/**
 * `sample`: N independent continuations of one prompt, as token ids, for distribution tests (the output law of a
 * speculative strategy must equal `ar`'s).
 *
 * Independence: sample i runs with seed `seed + i`. The engine's Rng seeds through splitmix32, so consecutive seeds
 * give unrelated streams; every sample starts from fresh caches (generate resets both models).
 */
import { int, text } from '../args';
import { optionsCommand } from '../command';
import { checkWritable, writeJsonFile } from '../io';
import { modelOptions, samplingOptions, seedOption, strategyOption } from '../options';
import { openPromptRun, type Runner, type RunSettings } from '../runner';

const OPTIONS = {
  prompt: text('TEXT', 'the prompt').required(),
  n: int('N', 'number of samples', 1).required(),
  maxNewTokens: int('K', 'tokens per sample at most', 1).required(),
  strategy: strategyOption('decoding strategy (see generate --help)').default('ar'),
  ...samplingOptions(1),
  seed: seedOption,
  ...modelOptions,
  out: text('FILE', 'where to write { samples: number[][] }').required(),
};

const SUMMARY =
  'Draws --n independent continuations of --prompt (sample i uses seed + i) and writes their token ids as JSON.';

/** N continuations, sample i with seed `settings.seed + i`. */
export async function sampleContinuations(runner: Runner, settings: RunSettings, n: number): Promise<number[][]> {
  const samples: number[][] = [];
  for (let i = 0; i < n; i++) samples.push((await runner.run({ ...settings, seed: settings.seed + i })).tokens);
  return samples;
}

/** The `sample` command. */
export const sampleCommand = optionsCommand({
  name: 'sample',
  summary: 'write N independent continuations (token ids) as JSON, for distribution tests',
  help: SUMMARY,
  options: OPTIONS,
  async run(o, ctx) {
    // Before loading anything: N samples must not be lost at the end to a bad --out path.
    await checkWritable(o.out, '--out');
    const { runner, settings } = await openPromptRun(o, ctx);
    const { prompt, params } = settings;
    const samples = await sampleContinuations(runner, settings, o.n);
    await writeJsonFile(o.out, {
      samples,
      settings: {
        strategy: o.strategy,
        prompt: o.prompt,
        prompt_ids: prompt,
        ...params,
        seed: o.seed,
        n: o.n,
        max_new_tokens: o.maxNewTokens,
      },
    });
    ctx.io.err(`wrote ${o.n} samples to ${o.out}`);
    return 0;
  },
});
