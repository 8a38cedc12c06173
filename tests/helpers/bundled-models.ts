/**
 * The bundled draft/target pair (`models/specdec-draft`, `models/specdec-target`) and its reference outputs
 * (`models/golden.json`) for the model tests: absolute folder paths, a typed and shape-checked read of golden.json,
 * and throwaway copies of the folders that a test may damage.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tests/helpers/bundled-models.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The bundled model folder names, as golden.json keys them. */
export const BUNDLED_NAMES = ['specdec-target', 'specdec-draft'] as const;
export type BundledName = (typeof BUNDLED_NAMES)[number];

/** Absolute path of a bundled model folder. */
export const bundledDir = (name: BundledName): string => join(REPO_ROOT, 'models', name);

/** One reference case: the prompt, its ids (BOS first) and what the fp32 reference produced for it. */
export interface GoldenCase {
  text: string;
  input_ids: number[];
  /** argmax of the logits at every position. */
  argmax: number[];
  /** logits[-1][:64]. */
  last_logits_head: number[];
  last_top5_ids: number[];
  last_top5_logits: number[];
  last_max: number;
  last_min: number;
  last_mean: number;
  /** L2 norm of the whole last row. */
  last_l2: number;
}

/** models/golden.json. */
export interface Golden {
  description: string;
  prompts: string[];
  models: Record<BundledName, { vocab_size: number; cases: GoldenCase[] }>;
}

const isNumbers = (v: unknown, length?: number): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && (length ?? v.length) === v.length;

/**
 * Reads models/golden.json and checks its shape, so a damaged file fails loudly instead of comparing nothing.
 * @throws Error naming the model, the case and the field that is missing or malformed
 */
export function readGolden(): Golden {
  const golden = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'golden.json'), 'utf8')) as Golden;
  if (typeof golden.description !== 'string') throw new Error('golden.json: no description');
  for (const name of BUNDLED_NAMES) {
    const entry = golden.models?.[name];
    if (!entry || !Array.isArray(entry.cases) || entry.cases.length === 0) {
      throw new Error(`golden.json: no cases for ${name}`);
    }
    entry.cases.forEach((c, i) => {
      const where = `golden.json: ${name} case ${i}`;
      const n = c.input_ids?.length ?? 0;
      const checks: [string, boolean][] = [
        ['text', typeof c.text === 'string'],
        ['input_ids', isNumbers(c.input_ids) && n > 0 && c.input_ids.every(Number.isInteger)],
        ['argmax', isNumbers(c.argmax, n)],
        ['last_logits_head', isNumbers(c.last_logits_head, 64)],
        ['last_top5_ids', isNumbers(c.last_top5_ids, 5)],
        ['last_top5_logits', isNumbers(c.last_top5_logits, 5)],
        ...(['last_max', 'last_min', 'last_mean', 'last_l2'] as const).map((k): [string, boolean] => [
          k,
          typeof c[k] === 'number' && Number.isFinite(c[k]),
        ]),
      ];
      for (const [field, ok] of checks) if (!ok) throw new Error(`${where}: field ${field} missing or malformed`);
    });
  }
  return golden;
}

/** A fresh temporary copy of both bundled folders; `cleanup` removes it. */
export interface BundledCopy {
  root: string;
  draft: string;
  target: string;
  cleanup(): void;
}

/** Copies both bundled model folders into a new temporary directory (fs.cpSync, so the originals stay intact). */
export function copyBundledPair(): BundledCopy {
  const root = mkdtempSync(join(tmpdir(), 'specdec-models-'));
  const draft = join(root, 'specdec-draft');
  const target = join(root, 'specdec-target');
  cpSync(bundledDir('specdec-draft'), draft, { recursive: true });
  cpSync(bundledDir('specdec-target'), target, { recursive: true });
  return { root, draft, target, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
