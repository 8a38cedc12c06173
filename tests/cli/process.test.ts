/** The real entry point as a child process (`tsx src/cli/main.ts`), as a user runs it. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, wasmLoader } from '../../src/cli/models';
import { parseTrace } from '../../src/core/trace';
import { writeFixtureModel } from '../helpers/fixture-model';
import { cli } from './helpers';

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');

/** Runs the CLI in a child process; never rejects. */
async function child(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('CLI as a child process', () => {
  it('generate prints the same text as the in-process run and writes a valid trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specdec-proc-'));
    const target = await writeFixtureModel({ seed: 1, dir: join(dir, 'target') });
    const draft = await writeFixtureModel({ seed: 2, dir: join(dir, 'draft') });
    const args = [
      'generate',
      '--prompt',
      'the cat',
      '--strategy',
      'dyspec:6',
      '--max-new-tokens',
      '6',
      '--draft',
      draft.dir,
      '--target',
      target.dir,
    ];
    const json = join(dir, 'out.json');
    const proc = await child([...args, '--json', json]);
    expect(proc.code, proc.stderr).toBe(0);
    const inProcess = await cli(args, wasmLoader);
    expect(proc.stdout).toBe(inProcess.out);
    const doc = JSON.parse(await readFile(json, 'utf8'));
    expect(Object.keys(doc).sort()).toEqual(['metrics', 'text', 'token_ids', 'trace']);
    expect(doc.token_ids).toHaveLength(6);
    expect(`${doc.text}\n`).toBe(proc.stdout);
    expect(parseTrace(doc.trace)).toMatchObject({ kind: 'run', settings: { strategy: 'dyspec:6' } });
  }, 60_000);

  it('--threads runs onnxruntime on that many WASM threads, with the same greedy text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specdec-proc-'));
    const target = await writeFixtureModel({ seed: 1, dir: join(dir, 'target') });
    const draft = await writeFixtureModel({ seed: 2, dir: join(dir, 'draft') });
    const models = ['--draft', draft.dir, '--target', target.dir];
    const gen = ['generate', '--prompt', 'the cat', '--strategy', 'chain:2', '--max-new-tokens', '6', ...models];
    const [one, two] = await Promise.all([child(gen), child([...gen, '--threads', '2'])]);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const out = join(dir, 'profile.json');
    const prof = await child([
      'profile',
      '--sizes',
      '1,2',
      '--repeats',
      '1',
      '--past',
      '4',
      '--threads',
      '2',
      ...models,
      '--out',
      out,
    ]);
    expect(prof.code, prof.stderr).toBe(0);
    const doc = JSON.parse(await readFile(out, 'utf8'));
    expect(doc.machine.threads).toBe(2);
    expect(doc.models.map((m: { threads: number }) => m.threads)).toEqual([2, 2]);
  }, 60_000);

  it('a usage error exits 2 with one line on stderr and no stack trace', async () => {
    const proc = await child(['sample', '--prompt', 'a', '--n', '0', '--max-new-tokens', '2', '--out', 'x.json']);
    expect(proc.code).toBe(2);
    expect(proc.stderr.trim()).toBe('error: --n must be >= 1, got 0');
  }, 60_000);
});
