/** What every command gets and is. */
import { formatHelp, parseOptions, type OptionSpecs, type ParsedOptions } from './args';
import type { CliIo } from './io';
import type { ModelLoader } from './models';

/** The world a command runs in (tests pass their own). */
export interface CommandContext {
  io: CliIo;
  loader: ModelLoader;
}

/** A subcommand of the CLI. */
export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}

/**
 * A command that takes `options`: `--help` (or `-h`) prints its help and exits 0; anything else is parsed (a
 * UsageError names the bad argument) and handed to `run` with the context.
 */
export function optionsCommand<S extends OptionSpecs>(spec: {
  name: string;
  summary: string;
  /** The paragraph under the usage line of `--help`. */
  help: string;
  options: S;
  run(options: ParsedOptions<S>, ctx: CommandContext): Promise<number>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    async run(argv, ctx) {
      const parsed = parseOptions(spec.name, spec.options, argv);
      if (parsed.help) {
        ctx.io.out(formatHelp(spec.name, spec.help, spec.options));
        return 0;
      }
      return spec.run(parsed.options, ctx);
    },
  };
}
