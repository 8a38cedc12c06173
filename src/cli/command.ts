/** What every command gets and is. */
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
