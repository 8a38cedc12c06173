/**
 * A small typed command-line option parser. Each command declares its options once (name, value parser, default,
 * help text); the parser turns `--name value` / `--name=value` / `--flag` into a typed object and produces the
 * `--help` text from the same declarations, so the two never drift apart.
 *
 * Written by hand rather than with node:util `parseArgs` because the errors are user-facing: they name the option,
 * the bad value and what is expected, and a value that looks like a flag (`--temperature -1`) is still taken as the
 * value so that the range check, not the tokenizer, reports it.
 */

/** A mistake on the command line (unknown option, missing or malformed value). Exit code 2, message only. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * One option. `P` records at the type level whether the parsed value is always present (it has a default or is
 * required), which decides whether the parsed field is `T` or `T | undefined`.
 */
export class Opt<T, P extends boolean> {
  private constructor(
    /** Turns the raw text into a value; throws UsageError naming `flag` when the text is unusable. */
    readonly parse: (raw: string, flag: string) => T,
    /** Placeholder shown in the help, e.g. `N`; empty for a boolean flag that takes no value. */
    readonly valueName: string,
    readonly description: string,
    readonly defaultValue: T | undefined,
    readonly isRequired: boolean,
    /** Phantom marker for `P`; never set. */
    readonly present?: P,
  ) {}

  /** An optional option with no default. */
  static of<T>(parse: (raw: string, flag: string) => T, valueName: string, description: string): Opt<T, false> {
    return new Opt<T, false>(parse, valueName, description, undefined, false);
  }

  /** The same option with a default value. */
  default(value: T): Opt<T, true> {
    return new Opt<T, true>(this.parse, this.valueName, this.description, value, false);
  }

  /** The same option, required. */
  required(): Opt<T, true> {
    return new Opt<T, true>(this.parse, this.valueName, this.description, undefined, true);
  }
}

/** Any option, for collections of them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpt = Opt<any, boolean>;

/** Option declarations of one command, keyed by camelCase name (`maxNewTokens` is `--max-new-tokens`). */
export type OptionSpecs = Record<string, AnyOpt>;

/** The parsed, typed options of a command. */
export type ParsedOptions<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends Opt<infer T, true> ? T : S[K] extends Opt<infer T, false> ? T | undefined : never;
};

/** `maxNewTokens` -> `--max-new-tokens`. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A free-form text value. */
export function text(valueName: string, description: string): Opt<string, false> {
  return Opt.of((raw) => raw, valueName, description);
}

/** An integer value at least `min` (and at most `max`, when given). */
export function int(valueName: string, description: string, min: number, max?: number): Opt<number, false> {
  return Opt.of(
    (raw, flag) => {
      const v = parseIntAtLeast(raw, flag, min);
      if (max !== undefined && v > max) throw new UsageError(`${flag} must be <= ${max}, got ${v}`);
      return v;
    },
    valueName,
    description,
  );
}

/** A finite number value (range checks are left to the engine's own validation, which names the setting). */
export function num(valueName: string, description: string): Opt<number, false> {
  return Opt.of(
    (raw, flag) => {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag} expects a number, got '${raw}'`);
      return v;
    },
    valueName,
    description,
  );
}

/** A comma-separated list of non-empty items. */
export function list(valueName: string, description: string): Opt<string[], false> {
  return Opt.of(
    (raw, flag) => {
      const items = raw.split(',').map((s) => s.trim());
      if (items.some((s) => s === '')) throw new UsageError(`${flag} expects a comma-separated list, got '${raw}'`);
      return items;
    },
    valueName,
    description,
  );
}

/** A comma-separated list of integers at least `min`. */
export function intList(valueName: string, description: string, min: number): Opt<number[], false> {
  return Opt.of(
    (raw, flag) =>
      list(valueName, description)
        .parse(raw, flag)
        .map((s) => parseIntAtLeast(s, flag, min)),
    valueName,
    description,
  );
}

/** A boolean switch that takes no value (`--quiet`). */
export function flag(description: string): Opt<boolean, true> {
  return Opt.of(() => true, '', description).default(false);
}

function parseIntAtLeast(raw: string, flag: string, min: number): number {
  const v = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v)) {
    throw new UsageError(`${flag} expects an integer, got '${raw}'`);
  }
  if (v < min) throw new UsageError(`${flag} must be >= ${min}, got ${v}`);
  return v;
}

/** The result of parsing: either the options or a request for help. */
export type ParseResult<S extends OptionSpecs> = { help: true } | { help: false; options: ParsedOptions<S> };

/**
 * Parses `argv` (the arguments after the command name) against `specs`.
 * @throws UsageError for an unknown option, a positional argument, a missing or bad value, or a missing required option
 */
export function parseOptions<S extends OptionSpecs>(
  command: string,
  specs: S,
  argv: readonly string[],
): ParseResult<S> {
  const byFlag = new Map<string, string>();
  for (const name of Object.keys(specs)) byFlag.set(flagOf(name), name);
  const values: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) {
      throw new UsageError(`${command}: unexpected argument '${arg}' (options take the form --name value)`);
    }
    const eq = arg.indexOf('=');
    const flagName = eq < 0 ? arg : arg.slice(0, eq);
    const name = byFlag.get(flagName);
    if (name === undefined) {
      throw new UsageError(`${command}: unknown option ${flagName} (see '${command} --help')`);
    }
    const spec = specs[name];
    if (name in values) throw new UsageError(`${command}: ${flagName} given more than once`);
    let raw: string;
    if (spec.valueName === '') {
      if (eq >= 0) throw new UsageError(`${command}: ${flagName} takes no value`);
      raw = '';
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      // The next word is the value even if it starts with '-', so `--temperature -1` reaches the range check.
      if (i + 1 >= argv.length) throw new UsageError(`${command}: ${flagName} needs a value (${spec.valueName})`);
      raw = argv[++i];
    }
    values[name] = spec.parse(raw, flagName);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in values) continue;
    if (spec.isRequired) throw new UsageError(`${command}: missing required option ${flagOf(name)} ${spec.valueName}`);
    values[name] = spec.defaultValue;
  }
  return { help: false, options: values as ParsedOptions<S> };
}

/** The `--help` text of a command: usage line, summary and one line per option. */
export function formatHelp(
  command: string,
  summary: string,
  specs: OptionSpecs,
  notes: readonly string[] = [],
): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `  ${flagOf(name)}${spec.valueName ? ` ${spec.valueName}` : ''}`;
    const extra = spec.isRequired
      ? ' (required)'
      : spec.defaultValue !== undefined && spec.valueName !== ''
        ? ` (default: ${Array.isArray(spec.defaultValue) ? spec.defaultValue.join(',') : String(spec.defaultValue)})`
        : '';
    return [left, `${spec.description}${extra}`] as const;
  });
  rows.push(['  --help, -h', 'show this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const usage = Object.entries(specs)
    .map(([name, spec]) => {
      const part = `${flagOf(name)}${spec.valueName ? ` ${spec.valueName}` : ''}`;
      return spec.isRequired ? part : `[${part}]`;
    })
    .join(' ');
  return [
    `usage: specdec ${command} ${usage}`,
    '',
    summary,
    '',
    'options:',
    ...rows.map(([l, r]) => l.padEnd(width) + r),
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
}
