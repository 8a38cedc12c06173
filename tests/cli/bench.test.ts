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
  let out: string;
  let result: BenchResult & { machine: Record<string, unknown>; settings: Record<string, unknown> };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specdec-bench-'));
    const target = await writeFixtureModel({ seed: 1, dir: join(dir, 'target') });
    const draft = await writeFixtureModel({ seed: 2, dir: join(dir, 'draft') });
    const prompts = join(dir, 'prompts.jsonl');
    await writeFile(prompts, '{"prompt": "the cat sat"}\n{"prompt": "in the"}\n');
    out = join(dir, 'bench.json');
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
    // Each strategy slower than ar gets its sentence, in the table's output and in the document.
    const explained = (result as unknown as { explanation: { strategy: string; verdict: string | null }[] })
      .explanation;
    expect(explained.map((e) => e.strategy)).toEqual(result.rows.map((r) => r.strategy));
    for (const e of explained) {
      const row = result.rows.find((r) => r.strategy === e.strategy)!;
      expect(e.verdict !== null, e.strategy).toBe(row.speedup_vs_ar < 1 && row.strategy !== 'ar');
      if (e.verdict) expect(run.out).toContain(`  ${e.strategy}: ${e.verdict}`);
    }
  });

  it('records what a projection needs: per-rank counts, and the prefix curve of the DySpec heaps only', () => {
    for (const row of result.rows) {
      const c = row.acceptance_by_rank!;
      c.accepted.forEach((a, k) => expect(a).toBeLessThanOrEqual(c.examined[k]));
      const isHeap = /^dyspec:/.test(row.strategy);
      expect(row.prefix_curve != null, row.strategy).toBe(isHeap);
    }
    const dyspec4 = result.rows.find((r) => r.strategy === 'dyspec:4')!;
    const curve = dyspec4.prefix_curve!;
    expect(curve.count).toHaveLength(5); // budgets 0..4
    // The whole tree's accepted draft tokens per step is the row's tau - 1.
    expect(1 + curve.accepted[4]).toBeCloseTo(dyspec4.mean_acceptance_length, 9);
  });

  it('project re-prices the result: this device by default, a GPU-like profile, and the server tree', async () => {
    const here = await cli(['project', '--results', out, '--budgets', '2,4,8']);
    expect(here.code, here.err).toBe(0);
    expect(here.out).toMatch(/^PROJECTION under this device \(not measured there\)/);
    expect(here.out).toMatch(/^ar\s+1\.00\s.*1\.00x\s+1\.00x$/m);
    const doc = join(out, '..', 'projection.json');
    const gpu = await cli([
      'project',
      '--results',
      out,
      '--gpu',
      '20,64,0',
      '--budgets',
      '2,4,8',
      '--server-tree',
      '3',
      '--out',
      doc,
    ]);
    expect(gpu.code, gpu.err).toBe(0);
    const projection = JSON.parse(await readFile(doc, 'utf8'));
    expect(projection).toMatchObject({ kind: 'projection', projected: true });
    // Flat verify and free drafts: every strategy's projected speedup is tau, up to the host work.
    for (const r of projection.rows) {
      const tau = result.rows.find((x) => x.strategy === r.strategy)!.mean_acceptance_length;
      expect(r.speedup).toBeCloseTo(tau, 1);
    }
    expect(projection.budgets.map((b: { budget: number }) => b.budget)).toEqual([2, 4, 8]);
    expect(projection.budgets[1].dynamic['dyspec']).not.toBeNull();
    expect(projection.budgets[2].dynamic['dyspec']).toBeNull(); // no dyspec run had 8 nodes
    expect(projection.server_tree.vllm.speculative_config.num_speculative_tokens).toBe(3);
    expect(gpu.out).toMatch(/^SGLang: --speculative-num-steps \d+ --speculative-eagle-topk \d+ /m);
    const bad = await cli(['project', '--results', doc]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/projection\.json: kind is "projection": give the bench result/);
  });
});
