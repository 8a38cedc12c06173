/**
 * What the commands touch outside themselves: text output, files and the clock. Commands take a `CliIo` so tests
 * can run them in-process and read what they printed, and so the process entry (main.ts) is the only place that
 * knows about `process`.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

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

/**
 * Checks, before any work, that {@link writeJsonFile} will be able to write `path`, so a long run is not lost at the
 * end to a typo. The path must not be a folder or a special file (a FIFO would block, /dev/stdout cannot be renamed
 * over); an existing file must be writable; the folder it goes in (or, when that is missing, the nearest folder
 * above it, where writeJsonFile will create the rest) must accept a new file. The probe is a uniquely named empty
 * file, created exclusively and deleted at once: an existing output is never opened, truncated or replaced.
 * @param what how the message names the file, e.g. `--out`
 * @throws CliError saying what is wrong with the path
 */
export async function checkWritable(path: string, what: string): Promise<void> {
  const fail = (why: string): never => {
    throw new CliError(`cannot write ${what} ${path}: ${why}`);
  };
  if (/[\\/]$/.test(path)) fail('the path ends in a separator; give a file name');
  const target = await finalPath(path);
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    // ENOENT: a new file. ENOTDIR: some part of the path is a file, reported by the folder walk below.
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    return fail(describeErrno(error));
  });
  if (info?.isDirectory()) fail('it is a directory; give a file path');
  if (info && !info.isFile()) fail('it is not a regular file');
  if (info) await access(target, constants.W_OK).catch((error: NodeJS.ErrnoException) => fail(describeErrno(error)));
  const folder = await nearestFolder(dirname(target), fail);
  const probe = `${folder}/${tempName(target)}`;
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // ENOENT on an exclusive create in an existing folder: a pseudo file system (/proc) that takes no new files.
    fail(`cannot create files in ${folder} (${e.code === 'ENOENT' ? 'it takes no new files' : describeErrno(e)})`);
  }
  await unlink(probe).catch(() => undefined);
}

/**
 * Writes `value` as pretty JSON, creating the folder first. The text goes to a temporary file in the same folder
 * that is then renamed over `path`, so a failure half-way (disk full, a kill) leaves the previous file intact
 * rather than a truncated one, and a reader never sees a partial document.
 * @throws CliError naming the path when it cannot be written
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const target = await finalPath(path);
  const temp = `${dirname(target)}/${tempName(target)}`;
  // A replaced file keeps its permission bits (a rename would otherwise give it the default ones).
  const mode = ((await stat(target).catch(() => null))?.mode ?? 0o666) & 0o777;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx', mode });
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${describeErrno(error as NodeJS.ErrnoException)}`);
  }
}

/** The absolute file a write lands in: through a symlink to its target, so the link itself is not replaced. */
async function finalPath(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/** A hidden name next to `target`, unique per process and call, for probes and the write-then-rename. */
function tempName(target: string): string {
  return `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * The nearest existing folder at or above `folder` (missing ones will be created by writeJsonFile).
 * @param fail called when a path component is not a folder, or cannot be looked at
 */
async function nearestFolder(folder: string, fail: (why: string) => never): Promise<string> {
  for (let dir = folder; ; dir = dirname(dir)) {
    const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      return fail(describeErrno(error));
    });
    if (info?.isDirectory()) return dir;
    if (info) fail(`${dir} is not a folder`);
    if (dirname(dir) === dir) fail('no folder above it exists');
  }
}

/** A short reason for a file-system error: the code's meaning, without Node's repetition of the path. */
function describeErrno(error: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a folder',
    ENOENT: 'no such file or folder',
  };
  return (error.code && reasons[error.code]) ?? error.message;
}

/** Milliseconds from a monotonic clock. */
export function nowMs(): number {
  return performance.now();
}
