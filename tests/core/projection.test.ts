/** The speed decomposition, the projection to other cost profiles, and the server tree export. */
import { describe, expect, it } from 'vitest';
import type { BenchResult, BenchRow } from '../../src/core/benchmark/summary';
import { optimalSequoiaShape } from '../../src/core/builders/sequoia';
import { explainRow, explainRows } from '../../src/core/explain';
import { gpuLikeProfile, profileFromFile, projectRow, type CostProfile } from '../../src/core/projection';
import { hostModel, layerWidths, pooledAcceptance, projectBudgets } from '../../src/core/projection-budgets';
import { projectionDocument, readBenchResult } from '../../src/core/projection-document';
import { pythonTuples, rankPaths, serverTree } from '../../src/core/server-tree';

/** A row whose per-step times are given (ms per step) over `steps` steps. */
function row(
  strategy: string,
  o: { tau: number; size: number; calls: number; verify: number; draft: number; host: number; speedup: number },
  steps = 100,
): BenchRow {
  const t = { draft: o.draft * steps, verify: o.verify * steps, tree: o.host * steps, commit: 0, sampling: 0 };
  return {
    strategy,
    verify_steps: steps,
    mean_acceptance_length: o.tau,
    mean_tree_size: o.size,
    draft_calls: o.calls * steps,
    speedup_vs_ar: o.speedup,
    time_ms: { ...t, total: t.draft + t.verify + t.tree },
  } as BenchRow;
}

const AR = row('ar', { tau: 1, size: 1, calls: 0, verify: 1, draft: 0, host: 0, speedup: 1 });
/** t(n) = n ms for the target, 0.1 n for the draft. */
const LINEAR: CostProfile = { label: 'linear', target: (n) => n, draft: (n) => 0.1 * n };

describe('explainRow', () => {
  it('observed speedup is tau * t_ar / step time, and the verdict names verify when it alone outgrows tau', () => {
    const r = row('dyspec:8', { tau: 2.5, size: 9, calls: 4, verify: 3, draft: 0.5, host: 0.1, speedup: 0.6 });
    const e = explainRow(r, AR, LINEAR);
    expect(e.observed.speedup).toBeCloseTo((2.5 * 1) / 3.6, 9);
    expect(e.verdict).toMatch(/^verifying 9 tokens costs 3\.00x an ar step; tau 2\.50 does not pay for it$/);
    // Predicted: verify t(9) = 9, draft 4 calls x t_D(1) = 0.4, host 0.1; ar t(1) = 1.
    expect(e.predicted!.speedup).toBeCloseTo(2.5 / 9.5, 9);
    expect(e.verifyRatio).toBeCloseTo(9, 9);
  });

  it('names the draft when verify alone pays but verify + draft does not, and host work otherwise', () => {
    const draft = row('chain:2', { tau: 2, size: 3, calls: 2, verify: 1.5, draft: 0.8, host: 0, speedup: 0.9 });
    expect(explainRow(draft, AR, null).verdict).toMatch(/^the draft's 2\.0 calls per step cost 0\.80x/);
    const host = row('tree:2', { tau: 2, size: 3, calls: 1, verify: 1.5, draft: 0.3, host: 0.4, speedup: 0.95 });
    expect(explainRow(host, AR, null).verdict).toMatch(/^host work .* adds 0\.40x/);
    const outside = row('chain:1', { tau: 2, size: 2, calls: 1, verify: 1.2, draft: 0.2, host: 0, speedup: 0.9 });
    expect(explainRow(outside, AR, null).verdict).toMatch(/outside the steps$/);
  });

  it('gives no verdict where a strategy is at least as fast as ar, and says when auto chose not to speculate', () => {
    const fast = row('chain:2', { tau: 2.5, size: 3, calls: 2, verify: 1.2, draft: 0.2, host: 0, speedup: 1.7 });
    expect(explainRow(fast, AR, null).verdict).toBeNull();
    const auto = {
      ...row('dyspec:auto', { tau: 1, size: 1, calls: 0, verify: 1.02, draft: 0, host: 0, speedup: 0.97 }),
    };
    auto.chosen_budgets = [0, 0, 0, 1];
    expect(explainRow(auto, AR, null).verdict).toMatch(/^it chose not to speculate for 75% of steps; /);
  });

  it('explains nothing without an ar row with steps', () => {
    const result = { rows: [row('chain:1', { tau: 1, size: 2, calls: 1, verify: 1, draft: 0, host: 0, speedup: 1 })] };
    expect(explainRows({ ...result, profile: { target: null, draft: null } } as unknown as BenchResult)).toEqual([]);
  });
});

describe('cost profiles', () => {
  it('GPU-like: flat up to W, then linear; the draft a fixed fraction', () => {
    const p = gpuLikeProfile({ targetMs: 20, flatWidth: 16, draftRatio: 0.1 });
    const t = p.target as (n: number) => number;
    expect([t(1), t(16), t(32)]).toEqual([20, 20, 40]);
    expect((p.draft as (n: number) => number)(1)).toBeCloseTo(2, 9);
    expect(() => gpuLikeProfile({ targetMs: 0, flatWidth: 16, draftRatio: 0.1 })).toThrow(/t\(1\) must be > 0/);
  });

  it('reads the profile file `cli profile` writes and names the field at fault', () => {
    const doc = {
      sizes: [1, 8],
      models: [
        { role: 'draft', ms: [0.2, 0.3], ms_nondecreasing: [0.2, 0.3] },
        { role: 'target', ms: [1, 2], ms_nondecreasing: [1, 2] },
      ],
    };
    const p = profileFromFile(doc, 'p.json');
    expect(projectRow(AR, AR, p).targetOneMs).toBe(1);
    expect(() => profileFromFile({ ...doc, sizes: [] }, 'p.json')).toThrow(/p\.json: "sizes"/);
    expect(() => profileFromFile({ sizes: [1, 8], models: [{ role: 'target', ms: [1] }] }, 'p.json')).toThrow(
      /target's "ms" must hold one time > 0 per size/,
    );
    expect(() => profileFromFile({ sizes: [1], models: [] }, 'p.json')).toThrow(/no model with role "target"/);
  });
});

describe('projectBudgets', () => {
  const result = {
    rows: [
      AR,
      {
        ...row('dyspec:4', { tau: 2, size: 5, calls: 3, verify: 2, draft: 0.3, host: 0.2, speedup: 0.8 }),
        acceptance_by_rank: { examined: [1000, 400, 300], accepted: [600, 80, 30] },
        prefix_curve: { accepted: [0, 0.6, 0.9, 1.1, 1.2], internal: [0, 1, 2, 2, 3], count: [10, 10, 10, 10, 10] },
      },
    ],
    profile: { target: null, draft: null },
    sequoia_acceptance: [],
  } as unknown as BenchResult;

  it('prices the Sequoia-optimal tree of each budget and the measured DySpec prefix, nothing unmeasured', () => {
    const [one, four, eight] = projectBudgets(result, LINEAR, [1, 4, 8]);
    const host = hostModel(result.rows);
    const ar = 1 + host(1);
    // The counts give p = 0.6, 0.2, 0.1 (a weak prior moves them slightly); the fixed tree is the DP's optimum.
    const p = pooledAcceptance(result);
    p.slice(0, 3).forEach((v, k) => expect(v).toBeCloseTo([0.6, 0.2, 0.1][k], 1));
    const shape4 = optimalSequoiaShape(p, 4, 4);
    expect(four.fixed.tau).toBeCloseTo(1 + shape4.expectedAcceptedLength, 9);
    const layers = layerWidths(shape4.parents).reduce((ms, w) => ms + 0.1 * w, 0);
    expect(four.fixed.stepMs).toBeCloseTo(5 + layers + host(5), 9);
    expect(four.dynamic['dyspec']!.tau).toBeCloseTo(2.2, 9);
    expect(four.dynamic['dyspec']!.stepMs).toBeCloseTo(5 + 3 * 0.1 + host(5), 9);
    expect(four.dynamic['dyspec']!.speedup).toBeCloseTo((2.2 * ar) / (5.3 + host(5)), 9);
    expect(one.dynamic['dyspec']!.tau).toBeCloseTo(1.6, 9);
    expect(eight.dynamic['dyspec']).toBeNull();
  });

  it('layer widths count the internal nodes per depth', () => {
    expect(layerWidths([-1, 0, 0, 1, 1, 2, 3])).toEqual([1, 2, 1]);
  });

  it('the document carries the formula, the sampled profile and, on request, the server tree', () => {
    const doc = projectionDocument(result, LINEAR, { budgets: [2], serverBudget: 3 });
    expect(doc.projected).toBe(true);
    expect(doc.formula).toMatch(/^speedup = tau/);
    expect(doc.profile.target_ms.slice(0, 3)).toEqual([1, 2, 4]);
    expect(doc.rows.map((r) => r.strategy)).toEqual(['ar', 'dyspec:4']);
    expect(doc.server_tree!.paths).toHaveLength(3);
  });

  it('readBenchResult names the field at fault', () => {
    expect(() => readBenchResult({}, 'x.json')).toThrow(/x\.json: rows must be a list/);
    expect(() => readBenchResult({ rows: [{ strategy: 'ar' }] }, 'x.json')).toThrow(/rows\[0\]\.verify_steps/);
    expect(() => readBenchResult({ ...result, rows: [result.rows[1]] }, 'x.json')).toThrow(/need an "ar" row/);
    expect(readBenchResult(JSON.parse(JSON.stringify(result)), 'x.json').rows).toHaveLength(2);
  });
});

describe('serverTree', () => {
  it('writes rank paths in depth-then-path order as a Python literal', () => {
    expect(rankPaths([-1, 0, 0, 1, 2, 1])).toEqual([[0], [1], [0, 0], [0, 1], [1, 0]]);
    expect(pythonTuples([[0], [0, 1]])).toBe('[(0,), (0, 1)]');
  });

  it('a chain for a draft whose second children are never accepted; vLLM and SGLang settings agree with it', () => {
    const t = serverTree([0.8, 0], 3);
    expect(t.vllm.speculative_config).toEqual({
      num_speculative_tokens: 3,
      speculative_token_tree: '[(0,), (0, 0), (0, 0, 0)]',
    });
    expect(t.sglang).toEqual({ speculative_num_steps: 3, speculative_eagle_topk: 1, speculative_num_draft_tokens: 4 });
    expect(t.expectedAccepted).toBeCloseTo(0.8 + 0.64 + 0.512, 9);
  });

  it('branches where second children pay, and refuses an empty tree', () => {
    const t = serverTree([0.5, 0.3], 4);
    expect(t.sglang.speculative_eagle_topk).toBe(2);
    expect(t.paths).toHaveLength(4);
    expect(() => serverTree([0.5], 0)).toThrow(/at least 1 draft node/);
  });
});
