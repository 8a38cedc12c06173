/**
 * The CLI's dispatcher: picks the command, runs it, and turns every failure into one line on stderr and a non-zero
 * exit code (2 for usage mistakes, 1 for everything else). No stack traces for the user's mistakes; an unexpected
 * internal error prints its stack only with SPECDEC_DEBUG=1.
 */
import { InvalidSettingError } from '../core/errors';
import { TraceParseError } from '../core/trace';
import { ModelLoadError, PromptTooLongError } from '../runtime/errors';
import { UsageError } from './args';
import { benchCommand } from './commands/bench';
import { generateCommand } from './commands/generate';
import { profileCommand } from './commands/profile';
import { projectCommand } from './commands/project';
import { sampleCommand } from './commands/sample';
import type { Command, CommandContext } from './command';
import { CliError } from './io';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  generateCommand,
  sampleCommand,
  profileCommand,
  benchCommand,
  projectCommand,
];

/** The top-level help. */
export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: npm run cli -- <command> [options]',
    '',
    'Speculative decoding (chain, fixed trees, Sequoia, DySpec) headless in Node, with onnxruntime-web WASM.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'npm run cli -- <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Errors whose message is meant for the user as it is. */
function isUserError(error: unknown): error is Error {
  return (
    error instanceof CliError ||
    error instanceof InvalidSettingError ||
    error instanceof ModelLoadError ||
    error instanceof PromptTooLongError ||
    error instanceof TraceParseError
  );
}

/**
 * Runs the CLI with `argv` (the arguments after the program name).
 * @returns the exit code
 */
export async function runCli(argv: readonly string[], ctx: CommandContext, debug = false): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? ctx.io.err : ctx.io.out)(topHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    ctx.io.err(`error: unknown command '${name}'; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.io.err(`error: ${error.message}\n`);
      return 2;
    }
    if (isUserError(error)) {
      ctx.io.err(`error: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.io.err(`error: ${name} failed: ${message}\n`);
    if (debug && error instanceof Error && error.stack) ctx.io.err(`${error.stack}\n`);
    return 1;
  }
}
