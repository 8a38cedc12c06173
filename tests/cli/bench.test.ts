/** Bench smoke test: 2 prompts x 8 tokens on tiny fixture model folders, through the real loader (WASM). */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/core/benchmark/summary';
import { wasmLoader } from '../../src/cli/models';
import { writeFixtureModel } from '../helpers/fixture-model';
import { cli, type CliRun } from './helpers';

const STRATEGIES = 'ar,chain:2,tree:2x2,sequoia:4,dyspec:4,dyspec:auto,dyspec-t:0.2';

describe('bench', () => {
  let run: CliRun;
  let result: BenchResult & { machine: Record<string, unknown>; settings: Record<string, unknown> };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specdec-bench-'));
    const target = await writeFixtureModel({ seed: 1, dir: join(dir, 'target') });
    const draft = await writeFixtureModel({ seed: 2, dir: join(dir, 'draft') });
    const prompts = join(dir, 'prompts.jsonl');
    await writeFile(prompts, '{"prompt": "the cat sat"}\n{"prompt": "in the"}\n');
    const out = join(dir, 'bench.json');
    run = await cli(
      [
        'bench',
        '--strategies',
        STRATEGIES,
        '--prompts',
        prompts,
        '--max-new-tokens',
        '8',
        '--temperature',
        '0',
        '--auto-sweep',
        '2,4',
        '--draft',
        draft.dir,
        '--target',
        target.dir,
        '--out',
        out,
      ],
      wasmLoader,
    );
    expect(run.code, run.err).toBe(0);
    result = JSON.parse(await readFile(out, 'utf8'));
  }, 60_000);

  it('writes one row per strategy (plus the auto sweep) with every field', () => {
    expect(result.rows.map((r) => r.strategy)).toEqual([...STRATEGIES.split(','), 'dyspec:2']);
    expect(result.rows.find((r) => r.strategy === 'dyspec:2')?.added).toBe(true);
    for (const row of result.rows) {
      for (const field of [
        'mean_acceptance_length',
        'tokens_per_second',
        'speedup_vs_ar',
        'draft_n',
        'draft_n_accepted',
        'verify_steps',
        'efficiency',
        'overhead_share',
      ] as const) {
        expect(Number.isFinite(row[field]), `${row.strategy}.${field}`).toBe(true);
      }
      expect(Array.isArray(row.acceptance_rate_per_depth)).toBe(true);
      expect(Object.keys(row.time_ms).sort()).toEqual(['commit', 'draft', 'sampling', 'total', 'tree', 'verify']);
      expect(row.tokens).toBe(16); // 2 prompts x 8 tokens (the fixture has no EOS in reach at T = 0)
      expect(row.mean_acceptance_length).toBeGreaterThanOrEqual(1);
      expect(row.draft_n_accepted).toBeLessThanOrEqual(row.draft_n);
      const [low, high] = row.speedup_ci95;
      expect(low, row.strategy).toBeLessThanOrEqual(row.speedup_vs_ar * (1 + 1e-12));
      expect(high, row.strategy).toBeGreaterThanOrEqual(row.speedup_vs_ar * (1 - 1e-12));
    }
    const ar = result.rows[0];
    expect(ar.speedup_vs_ar).toBe(1);
    expect(ar.speedup_ci95).toEqual([1, 1]); // ar against itself, resampled in pairs
    for (const row of result.rows) {
      expect(row.per_prompt).toHaveLength(2);
      expect(row.per_prompt.reduce((n, p) => n + p.tokens, 0)).toBe(row.tokens);
      expect(row.per_prompt.reduce((n, p) => n + p.wall_ms, 0)).toBeCloseTo(row.wall_ms, 6);
    }
    expect(ar.draft_n).toBe(0);
    expect(ar.verify_steps).toBe(16);
  });

  it('is token-identical to ar at T = 0 for every strategy', () => {
    for (const row of result.rows) expect(row.greedy_identical, row.strategy).toBe(true);
  });

  it('reports the machine, the auto choice against its sweep, and a table', () => {
    expect(result.machine).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(typeof result.machine.cpu).toBe('string');
    const auto = result.rows.find((r) => r.strategy === 'dyspec:auto');
    // Chosen before every step, so it keeps adapting within a run.
    expect(auto?.chosen_budgets).toHaveLength(auto?.verify_steps ?? -1);
    expect(result.auto).toHaveLength(1);
    expect(['dyspec:2', 'dyspec:4']).toContain(result.auto[0].best_sweep_strategy);
    expect(run.out).toMatch(/^machine: .*wasm x1 thread/m);
    expect(run.out).toMatch(/^dyspec:auto\s+\d/m);
    expect(run.out).toMatch(/dyspec:auto: chose .* vs best sweep dyspec:\d.*\(95% CI [\d.]+%-[\d.]+%/);
    const [low, high] = result.auto[0].ratio_ci95;
    expect(low).toBeLessThanOrEqual(high);
    // The comparisons, each as a paired ratio with its interval.
    const { vs_best_chain: chain, vs_best_fixed_tree: fixed } = result.auto[0];
    expect(chain?.strategy).toBe('chain:2'); // the only chain
    expect(['tree:2x2', 'sequoia:4']).toContain(fixed?.strategy);
    for (const c of [chain, fixed]) {
      const other = result.rows.find((r) => r.strategy === c?.strategy);
      expect(c?.ratio).toBeCloseTo((auto?.speedup_vs_ar ?? NaN) / (other?.speedup_vs_ar ?? NaN), 12);
      expect(c?.ratio_ci95[0]).toBeLessThanOrEqual(c?.ratio_ci95[1] ?? -1);
    }
    expect(run.out).toMatch(/^ {2}vs best chain chain:2 [\d.]+x: [\d.]+x \(95% CI/m);
    expect(run.out).toMatch(/^ {2}vs best fixed tree (tree:2x2|sequoia:4) /m);
  });
});
