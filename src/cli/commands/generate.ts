/** `generate`: one continuation of a prompt, printed; optionally the text, ids, metrics and trace as JSON. */
import { flag, int, text } from '../args';
import { optionsCommand } from '../command';
import { checkWritable, writeJsonFile } from '../io';
import { modelOptions, samplingOptions, seedOption, strategyOption } from '../options';
import { openPromptRun } from '../runner';
import { runTrace } from '../trace-doc';

const OPTIONS = {
  prompt: text('TEXT', 'the prompt').required(),
  strategy: strategyOption(
    'decoding strategy: ar, chain:G, tree:B1xB2.., sequoia:N[:D], dyspec:N, dyspec-cal:N, dyspec-t:T[:CAP], or an auto budget: sequoia:auto, dyspec:auto, dyspec-cal:auto; ' +
      'any but ar may name its draft sources after @, joined by +: model (default), context (prompt lookup), corpus (the datastore), e.g. chain:4@context, dyspec-cal:auto@context+corpus+model',
  ).default('dyspec:8'),
  maxNewTokens: int('N', 'new tokens to generate at most', 1).default(64),
  ...samplingOptions(0),
  seed: seedOption,
  ...modelOptions,
  json: text('FILE', 'also write { text, token_ids, metrics, trace } (trace in the versioned schema) to FILE'),
  quiet: flag('do not print the metrics summary on stderr'),
};

const SUMMARY =
  'Generates a continuation of --prompt with the draft/target pair and prints it (the continuation only).';

/** The `generate` command. */
export const generateCommand = optionsCommand({
  name: 'generate',
  summary: 'print one continuation of a prompt (optionally with metrics and the trace as JSON)',
  help: SUMMARY,
  options: OPTIONS,
  async run(o, ctx) {
    const { io } = ctx;
    // Before loading anything: a bad --json path must fail now, not after the run.
    if (o.json) await checkWritable(o.json, '--json');
    const { pair, runner, settings } = await openPromptRun(o, ctx);
    const { prompt, params } = settings;
    const run = await runner.run(settings);
    const text = pair.tokenizer.decode(run.tokens);
    io.out(`${text}\n`);
    const { trace, metrics } = runTrace(
      {
        pair,
        promptText: o.prompt,
        promptIds: prompt,
        requested: o.strategy,
        params,
        seed: o.seed,
        maxNewTokens: o.maxNewTokens,
      },
      run,
    );
    if (!o.quiet) {
      io.err(
        `${run.resolved}: ${run.tokens.length} tokens (${run.stopReason}), tau ${metrics.mean_acceptance_length.toFixed(2)}, ` +
          `${metrics.tokens_per_second.toFixed(1)} tokens/s, ${metrics.verify_steps} target calls`,
      );
    }
    if (o.json) await writeJsonFile(o.json, { text, token_ids: run.tokens, metrics, trace });
    return 0;
  },
});
