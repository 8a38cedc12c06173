/**
 * The CLI against the mistakes a user makes: output paths that cannot be written (found before any model loads,
 * never after a long run, and never by hanging on /proc or a FIFO), broken model folders (the message says draft or
 * target, and which folder), local folders written without `./`, and http(s) folder URLs (which load). Runs the
 * real command dispatcher with the real loader on tiny model folders in a temp dir, and the real process entry
 * where the exit code and stderr matter.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWritable, CliError, writeJsonFile } from '../../src/cli/io';
import { REPO_ROOT, resolveSourceText, wasmLoader } from '../../src/cli/models';
import { copyBundledPair } from '../helpers/bundled-models';
import { fixtureConfigJson, writeFixtureModel } from '../helpers/fixture-model';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { cli, noModels } from './helpers';

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const MAIN = join(REPO_ROOT, 'src/cli/main.ts');
const hasProc = existsSync('/proc/self');

/** Runs the real entry as a child process in `cwd`; never rejects. */
async function child(args: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [MAIN, ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let root: string;
let draftDir: string;
let targetDir: string;
let server: StaticServer;
/** A short generate run on the tiny pair (models appended by the caller or taken from `models`). */
const GEN = ['generate', '--prompt', 'the cat', '--strategy', 'chain:2', '--max-new-tokens', '4'];
const models = (): string[] => ['--draft', draftDir, '--target', targetDir];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'specdec-robust-'));
  draftDir = (await writeFixtureModel({ seed: 2, dir: join(root, 'models', 'draft') })).dir;
  targetDir = (await writeFixtureModel({ seed: 1, dir: join(root, 'target') })).dir;
  server = await startStaticServer({ 'org/draft': draftDir, 'org/target': targetDir });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** A fresh empty folder under the temp root. */
const freshDir = async (name: string): Promise<string> => {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
};

describe('output paths are checked before any model loads', () => {
  // `noModels` fails the run with another message if a command gets as far as loading.
  it('a directory as --json / --out: a clear error naming the flag, for generate, sample and profile', async () => {
    const dir = await freshDir('a-dir');
    const runs = [
      [...GEN, '--json', dir],
      ['sample', '--prompt', 'a', '--n', '2', '--max-new-tokens', '2', '--out', dir],
      ['profile', '--out', dir],
    ];
    for (const argv of runs) {
      const run = await cli(argv, noModels);
      const flag = argv.includes('--json') ? '--json' : '--out';
      expect(run.code, run.err).toBe(1);
      expect(run.err.trim()).toBe(`error: cannot write ${flag} ${dir}: it is a directory; give a file path`);
    }
  });

  it('a parent that is a file, or a path ending in a separator', async () => {
    const file = join(root, 'plain.txt');
    await writeFile(file, 'x');
    let run = await cli([...GEN, '--json', join(file, 'out.json')], noModels);
    expect(run.err.trim()).toBe(`error: cannot write --json ${join(file, 'out.json')}: ${file} is not a folder`);
    run = await cli([...GEN, '--json', `${root}/out/`], noModels);
    expect(run.err.trim()).toMatch(/the path ends in a separator; give a file name$/);
  });

  it.skipIf(!hasProc)('paths under /proc (and a device) fail at once, never hang', async () => {
    for (const [path, why] of [
      ['/proc/version/x', '/proc/version is not a folder'],
      ['/proc/self/foo', 'cannot create files in /proc/self'],
      ['/dev/null', 'it is not a regular file'], // a device: never opened, never renamed over
    ]) {
      const started = performance.now();
      const run = await cli([...GEN, '--json', path], noModels);
      expect(run.code).toBe(1);
      expect(run.err).toContain(`error: cannot write --json ${path}: ${why}`);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it.skipIf(!hasProc)('the real entry exits 1 with one line for a /proc path', async () => {
    const proc = await child([...GEN, ...models(), '--json', '/proc/self/foo']);
    expect(proc.code).toBe(1);
    expect(proc.stdout).toBe(''); // nothing generated
    expect(proc.stderr.trim()).toBe(
      'error: cannot write --json /proc/self/foo: cannot create files in /proc/self (it takes no new files)',
    );
  });

  it('a FIFO is refused without being opened (opening it for writing would block)', async () => {
    const fifo = join(await freshDir('fifo'), 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here: nothing to check
    }
    await expect(checkWritable(fifo, '--out')).rejects.toThrow(`cannot write --out ${fifo}: it is not a regular file`);
  });

  it('a missing parent folder is created, as before, and the run writes its JSON there', async () => {
    const json = join(root, 'new', 'deeper', 'gen.json');
    const run = await cli([...GEN, ...models(), '--json', json], wasmLoader);
    expect(run.code, run.err).toBe(0);
    const doc = JSON.parse(await readFile(json, 'utf8'));
    expect(`${doc.text}\n`).toBe(run.out);
    expect(await readdir(join(root, 'new', 'deeper'))).toEqual(['gen.json']); // no temp file left
  });
});

describe('checkWritable and writeJsonFile', () => {
  it('the probe leaves no file or folder behind and never truncates an existing file', async () => {
    const dir = await freshDir('probe');
    const existing = join(dir, 'out.json');
    await writeFile(existing, 'old contents');
    await checkWritable(existing, '--out');
    await checkWritable(join(dir, 'new.json'), '--out');
    await checkWritable(join(dir, 'sub', 'deeper', 'new.json'), '--out');
    expect(await readFile(existing, 'utf8')).toBe('old contents');
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('refuses a read-only file (when not running as root, who may write anyway)', async () => {
    const file = join(await freshDir('readonly'), 'ro.json');
    await writeFile(file, '{}');
    await chmod(file, 0o444);
    const check = checkWritable(file, '--out');
    if (process.getuid?.() === 0) await expect(check).resolves.toBeUndefined();
    else await expect(check).rejects.toThrow(`cannot write --out ${file}: permission denied`);
  });

  it('replaces the target by rename: new contents, same permission bits, no temp file', async () => {
    const dir = await freshDir('atomic');
    const file = join(dir, 'result.json');
    await writeFile(file, 'old');
    await chmod(file, 0o640);
    await writeJsonFile(file, { ok: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ok: true });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['result.json']);
  });

  it('writes through a symlink rather than replacing the link', async () => {
    const dir = await freshDir('linked');
    const real = join(dir, 'real.json');
    await writeFile(real, 'old');
    await symlink(real, join(dir, 'link.json'));
    await checkWritable(join(dir, 'link.json'), '--out');
    await writeJsonFile(join(dir, 'link.json'), [1, 2]);
    expect(JSON.parse(await readFile(real, 'utf8'))).toEqual([1, 2]);
    expect((await readdir(dir)).sort()).toEqual(['link.json', 'real.json']);
  });

  it('a write that fails (the target became a directory) is a CliError and leaves no temp file', async () => {
    const dir = await freshDir('late-failure');
    await mkdir(join(dir, 'out.json'));
    const err = await writeJsonFile(join(dir, 'out.json'), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/^cannot write .*out\.json: /);
    expect(await readdir(dir)).toEqual(['out.json']);
  });
});

describe('broken model files name the model (draft or target) and its folder', () => {
  /** Copies the tiny pair, damages one side, runs generate; returns the error line. */
  async function damaged(role: 'draft' | 'target', damage: (dir: string) => Promise<void>): Promise<string> {
    const dir = await mkdtemp(join(root, 'damaged-'));
    const copies = { draft: join(dir, 'draft'), target: join(dir, 'target') };
    await cp(draftDir, copies.draft, { recursive: true });
    await cp(targetDir, copies.target, { recursive: true });
    await damage(copies[role]);
    const run = await cli([...GEN, '--draft', copies.draft, '--target', copies.target], wasmLoader);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    const line = run.err.trim();
    expect(line.startsWith(`error: ${role} model ${copies[role]}: `), line).toBe(true);
    return line.slice(`error: ${role} model ${copies[role]}: `.length);
  }

  it('truncated draft weights', async () => {
    const why = await damaged('draft', async (dir) => {
      const file = join(dir, 'model.safetensors');
      await truncate(file, Math.floor((await stat(file)).size / 2));
    });
    expect(why).toMatch(
      /^model\.safetensors: tensor "[\w.]+": data_offsets .* run past the end of the data .*truncated$/,
    );
  });

  it('target config.json that is not JSON', async () => {
    const why = await damaged('target', (dir) => writeFile(join(dir, 'config.json'), '{"model_type": "llama",'));
    expect(why).toMatch(/^config\.json: not valid JSON \(/);
  });

  it('draft config.json missing a required field', async () => {
    const config = fixtureConfigJson({ seed: 2, config: { hidden_size: null } });
    const why = await damaged('draft', (dir) => writeFile(join(dir, 'config.json'), JSON.stringify(config)));
    expect(why).toBe('config.json: missing required field "hidden_size"');
  });

  it('the real target, truncated (a copy of models/specdec-target)', async () => {
    const copy = copyBundledPair();
    try {
      const file = join(copy.target, 'model.safetensors');
      await truncate(file, Math.floor((await stat(file)).size / 3));
      const run = await cli([...GEN, '--draft', copy.draft, '--target', copy.target], wasmLoader);
      expect(run.code).toBe(1);
      expect(run.err.trim()).toMatch(
        new RegExp(`^error: target model ${copy.target}: model\\.safetensors: tensor .*: file truncated$`),
      );
    } finally {
      copy.cleanup();
    }
  });
});

describe('model sources', () => {
  it('folders written without ./ are read as folders, even when they look like a hub id', async () => {
    // In the temp root: models/draft looks like the hub id "models/draft", target like nothing but a name.
    const proc = await child([...GEN, '--draft', 'models/draft', '--target', 'target', '--json', 'out/g.json'], root);
    expect(proc.code, proc.stderr).toBe(0);
    const inProcess = await cli([...GEN, ...models()], wasmLoader);
    expect(proc.stdout).toBe(inProcess.out);
    expect(JSON.parse(await readFile(join(root, 'out', 'g.json'), 'utf8')).text).toBe(proc.stdout.trimEnd());
  });

  it('the bundled models/... folders resolve from the repository, without ./', () => {
    expect(resolveSourceText('models/specdec-draft')).toBe(join(REPO_ROOT, 'models', 'specdec-draft'));
  });

  it('a missing folder that is no hub id fails at once, saying to write it as a path', async () => {
    const run = await cli([...GEN, '--draft', 'no/such/folder', '--target', targetDir], wasmLoader);
    expect(run.code).toBe(1);
    expect(run.err.trim()).toBe(
      `error: draft model "no/such/folder": no such folder ${join(process.cwd(), 'no/such/folder')}, and not a hub id ` +
        '(org/name); give a folder that exists (e.g. ./no/such/folder), a hub id (org/name or hf:org/name@revision) ' +
        'or an http(s):// folder URL',
    );
    expect(() => resolveSourceText('nosuchmodel', 'target model')).toThrow('(e.g. ./nosuchmodel)');
  });

  it('a mistyped local folder is not sent to the hub; hf: still reaches it', () => {
    expect(() => resolveSourceText('models/specdec-drfat', 'draft model')).toThrow(
      'draft model models/specdec-drfat: no such folder ' +
        `${join(process.cwd(), 'models/specdec-drfat')} (models/ is a local folder, so this looks like a mistyped path; ` +
        'for the Hugging Face model of that name write hf:models/specdec-drfat)',
    );
    expect(resolveSourceText('hf:models/specdec-drfat')).toBe('hf:models/specdec-drfat');
    expect(resolveSourceText('SomeOrg/some-model@v1')).toBe('SomeOrg/some-model@v1'); // no local SomeOrg/: the hub
  });

  it('a file, or an explicit path that does not exist, is refused before loading', () => {
    expect(() => resolveSourceText('models/golden.json', 'target model')).toThrow(
      `target model models/golden.json: ${join(REPO_ROOT, 'models/golden.json')} is a file, not a model folder`,
    );
    expect(() => resolveSourceText('./nope', 'draft model')).toThrow(
      `draft model ./nope: no such folder ${join(process.cwd(), 'nope')}`,
    );
  });

  it('http(s) folder URLs load (so they need no special message), with the same text as the folders', async () => {
    const urls = ['--draft', server.folderUrl('org/draft'), '--target', server.folderUrl('org/target')];
    const [viaUrl, viaFolder] = [
      await cli([...GEN, ...urls], wasmLoader),
      await cli([...GEN, ...models()], wasmLoader),
    ];
    expect(viaUrl.code, viaUrl.err).toBe(0);
    expect(viaUrl.out).toBe(viaFolder.out);
    expect(resolveSourceText('https://example.com/m')).toBe('https://example.com/m');
  });
});
