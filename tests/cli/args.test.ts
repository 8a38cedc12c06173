import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagOf, formatHelp, int, list, parseOptions, text, UsageError } from '../../src/cli/args';
import { parsePrompts } from '../../src/cli/prompts';
import { cli } from './helpers';

describe('parseOptions', () => {
  const specs = {
    prompt: text('TEXT', 'the prompt').required(),
    maxNewTokens: int('N', 'tokens', 1).default(64),
    strategies: list('LIST', 'strategies'),
  };

  it('parses --name value and --name=value into typed fields, with defaults', () => {
    const r = parseOptions('x', specs, ['--prompt', 'hi there', '--strategies=ar,chain:2']);
    expect(r).toEqual({
      help: false,
      options: { prompt: 'hi there', maxNewTokens: 64, strategies: ['ar', 'chain:2'] },
    });
  });

  it('takes a value that starts with - as the value, so the range check reports it', () => {
    expect(() => parseOptions('x', specs, ['--prompt', 'a', '--max-new-tokens', '-3'])).toThrow(
      new UsageError('--max-new-tokens must be >= 1, got -3'),
    );
  });

  it('names the problem', () => {
    const fails = (argv: string[]) => () => parseOptions('x', specs, argv);
    expect(fails(['--prompt', 'a', '--bogus', '1'])).toThrow(/unknown option --bogus/);
    expect(fails([])).toThrow(/missing required option --prompt TEXT/);
    expect(fails(['--prompt'])).toThrow(/--prompt needs a value/);
    expect(fails(['--prompt', 'a', '--max-new-tokens', '2.5'])).toThrow(/expects an integer, got '2.5'/);
    expect(fails(['--prompt', 'a', 'stray'])).toThrow(/unexpected argument 'stray'/);
    expect(fails(['--prompt', 'a', '--prompt', 'b'])).toThrow(/given more than once/);
  });

  it('answers --help and formats help from the same declarations', () => {
    expect(parseOptions('x', specs, ['--prompt', 'a', '-h'])).toEqual({ help: true });
    const help = formatHelp('x', 'Does x.', specs);
    expect(help).toContain('usage: specdec x --prompt TEXT [--max-new-tokens N] [--strategies LIST]');
    expect(help).toMatch(/--max-new-tokens N\s+tokens \(default: 64\)/);
    expect(flagOf('topP')).toBe('--top-p');
  });
});

describe('parsePrompts', () => {
  it('reads .jsonl and text files, skipping blank lines', () => {
    expect(parsePrompts('a.jsonl', '{"prompt": "one"}\n\n{"prompt": "two", "style": "x"}\n')).toEqual([
      { text: 'one', line: 1 },
      { text: 'two', line: 3 },
    ]);
    expect(parsePrompts('a.txt', 'one\n\ntwo\n').map((p) => p.text)).toEqual(['one', 'two']);
  });

  it('names the file and line of a bad JSONL line', () => {
    expect(() => parsePrompts('p.jsonl', '{"prompt": "ok"}\n{"prompt": 3}\n')).toThrow(
      /^p\.jsonl:2: expected an object/,
    );
    expect(() => parsePrompts('p.jsonl', '{"prompt": "ok"}\n\n{oops\n')).toThrow(/^p\.jsonl:3: not valid JSON/);
    expect(() => parsePrompts('p.txt', '\n\n')).toThrow(/no prompts/);
  });
});

describe('CLI argument errors exit non-zero with one clear line on stderr', () => {
  const expectError = (run: { code: number; out: string; err: string }, message: RegExp, code = 2) => {
    expect(run.code).toBe(code);
    expect(run.err).toMatch(message);
    expect(run.err).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('unknown strategy', async () => {
    expectError(
      await cli(['generate', '--prompt', 'a', '--strategy', 'bogus:3']),
      /error: --strategy: unknown strategy "bogus"/,
    );
    expectError(
      await cli(['bench', '--strategies', 'ar,tree:2x0', '--prompts', 'p.jsonl', '--out', 'o.json']),
      /error: --strategies: tree branching "2x0"/,
    );
  });

  it('N <= 0', async () => {
    expectError(
      await cli(['sample', '--prompt', 'a', '--n', '0', '--max-new-tokens', '2', '--out', 'o.json']),
      /error: --n must be >= 1, got 0/,
    );
    expectError(
      await cli(['generate', '--prompt', 'a', '--max-new-tokens', '-1']),
      /--max-new-tokens must be >= 1, got -1/,
    );
  });

  it('missing prompt file', async () => {
    expectError(
      await cli(['bench', '--strategies', 'ar', '--prompts', '/nonexistent/prompts.jsonl', '--out', 'o.json']),
      /error: prompts file not found: \/nonexistent\/prompts.jsonl/,
      1,
    );
  });

  it('bad JSONL line, with its line number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specdec-cli-'));
    const file = join(dir, 'p.jsonl');
    await writeFile(file, '{"prompt": "fine"}\n{"text": "wrong key"}\n');
    expectError(
      await cli(['bench', '--strategies', 'ar', '--prompts', file, '--out', join(dir, 'o.json')]),
      /p\.jsonl:2: expected an object/,
      1,
    );
  });

  it('unknown option, bad sampling settings, unknown command', async () => {
    expectError(
      await cli(['generate', '--prompt', 'a', '--temprature', '1']),
      /error: generate: unknown option --temprature/,
    );
    expectError(await cli(['generate', '--prompt', 'a', '--top-p', '1.5']), /top-p must be in \(0, 1\], got 1.5/);
    expectError(
      await cli(['generate', '--prompt', 'a', '--temperature', 'hot']),
      /--temperature expects a number, got 'hot'/,
    );
    expectError(await cli(['generat']), /unknown command 'generat'/);
    expectError(await cli(['profile', '--sizes', '1,0', '--out', 'o.json']), /--sizes must be >= 1, got 0/);
    expectError(await cli(['generate', '--prompt', 'a', '--threads', '0']), /--threads must be >= 1, got 0/);
    expectError(
      await cli(['bench', '--threads', '9', '--strategies', 'ar', '--prompts', 'p', '--out', 'o']),
      /--threads must be <= 4, got 9/,
    );
  });

  it('every command has --help (exit 0, options listed)', async () => {
    for (const [command, option] of [
      ['generate', '--json FILE'],
      ['sample', '--n N'],
      ['profile', '--past L'],
      ['bench', '--strategies LIST'],
    ]) {
      const run = await cli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.out).toContain(`usage: specdec ${command}`);
      expect(run.out).toContain(option);
    }
    expect((await cli(['--help'])).out).toContain('commands:');
  });
});
