/**
 * Prompt files for `bench`: `.jsonl` (one `{"prompt": "..."}` object per line; other fields are kept as labels) or
 * any other extension as plain text (one prompt per line). Blank lines are skipped in both. Errors name the file and
 * the 1-based line, so a broken line in a long file is found at once.
 */
import { CliError, readTextFile } from './io';

/** One prompt and where it came from. */
export interface PromptEntry {
  text: string;
  /** 1-based line in the file. */
  line: number;
}

/**
 * Parses the text of a prompts file.
 * @param name the file name (decides the format by its extension, and names the file in errors)
 * @throws CliError for a line that is not a JSON object with a non-empty string `prompt`, or a file without prompts
 */
export function parsePrompts(name: string, content: string): PromptEntry[] {
  const jsonl = name.toLowerCase().endsWith('.jsonl');
  const entries: PromptEntry[] = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    if (!jsonl) {
      entries.push({ text: raw, line });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new CliError(`${name}:${line}: not valid JSON (${(error as Error).message})`);
    }
    const prompt = typeof value === 'object' && value !== null ? (value as { prompt?: unknown }).prompt : undefined;
    if (typeof prompt !== 'string' || prompt === '') {
      throw new CliError(
        `${name}:${line}: expected an object with a non-empty string "prompt", e.g. {"prompt": "Once"}`,
      );
    }
    entries.push({ text: prompt, line });
  });
  if (entries.length === 0) throw new CliError(`${name}: no prompts (the file is empty)`);
  return entries;
}

/** Reads and parses a prompts file. @throws CliError when it is missing or malformed */
export async function readPrompts(path: string): Promise<PromptEntry[]> {
  return parsePrompts(path, await readTextFile(path, 'prompts file'));
}
