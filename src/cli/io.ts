/**
 * What the commands touch outside themselves: text output, files and the clock. Commands take a `CliIo` so tests
 * can run them in-process and read what they printed, and so the process entry (main.ts) is the only place that
 * knows about `process`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where a command prints. */
export interface CliIo {
  /** Normal output (the text, the table). */
  out(text: string): void;
  /** Progress and diagnostics (never mixed into the output a script may capture). */
  err(text: string): void;
}

/**
 * A failure the user can act on (a missing file, a bad line in a prompts file). Printed as `error: message`, exit
 * code 1, without a stack trace.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Reads a UTF-8 text file.
 * @param what how the message names the file, e.g. `prompts file`
 * @throws CliError naming the file when it is missing or unreadable
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  return new TextDecoder().decode(await readFileBytes(path, what));
}

/**
 * Reads a file's bytes.
 * @param what how the message names the file, e.g. `datastore`
 * @throws CliError naming the file when it is missing or unreadable
 */
export async function readFileBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} not found: ${path}`);
    if (code === 'EISDIR') throw new CliError(`${what} is a directory, not a file: ${path}`);
    throw new CliError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** Writes `value` as pretty JSON, creating the folder first. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Milliseconds from a monotonic clock. */
export function nowMs(): number {
  return performance.now();
}
