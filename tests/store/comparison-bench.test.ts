import { describe, expect, it, vi } from 'vitest';
import * as summary from '../../src/core/benchmark/summary';
import { chainStep } from '../helpers/steps';
import { comparisonBench } from '../../src/store/comparison-bench';
import type { RunView } from '../../src/store/run-slice';

// Counts the summaries computed, still computing them with core's function.
vi.mock('../../src/core/benchmark/summary', async (original) => {
  const real = await original<typeof summary>();
  return { ...real, summariseBench: vi.fn(real.summariseBench) };
});
const summarise = vi.mocked(summary.summariseBench);

/** One run of a live comparison at (prompt, repeat 0). */
function run(strategy: string, prompt: number, accepted: number): RunView {
  const steps = Array.from({ length: 6 }, (_, i) =>
    chainStep(i, strategy === 'ar' ? 0 : 3, strategy === 'ar' ? 0 : accepted, 10),
  );
  return {
    source: 'live',
    strategy,
    resolvedStrategy: strategy,
    settings: { temperature: 0, topP: 1, topK: 0, seed: 1, maxNewTokens: 16, backend: 'wasm' },
    models: { draft: null, target: { id: 't', hash: 'h' } },
    promptText: `prompt ${prompt}`,
    promptIds: [1],
    steps,
    tokens: steps.flatMap((s) => s.emitted),
    text: '',
    stopReason: 'max_tokens',
    elapsedMs: 60 + prompt,
    tokenTexts: {},
    createdAt: '2026-01-01T00:00:00Z',
    baselineKey: null,
    position: { prompt, repeat: 0, order: 0, added: false },
  };
}

describe('comparisonBench over a growing live comparison', () => {
  it('keeps the summary over runs that complete no unit, with the figures a fresh summary gives', () => {
    const plans = ['ar', 'chain:3', 'dyspec:4'];
    const runs = [0, 1].flatMap((prompt) => plans.map((p, k) => run(p, prompt, k)));
    summarise.mockClear();
    const results = runs.map((_, k) => comparisonBench(runs.slice(0, k + 1)).result);
    // Prompt 0's runs each add a plan; ar@1 adds a prompt; chain@1 changes nothing the summary reads (prompt 1 is
    // not complete yet), so its summary is kept; dyspec@1 completes prompt 1.
    expect(results[4]).toBe(results[3]);
    expect(new Set(results).size).toBe(5);
    expect(summarise).toHaveBeenCalledTimes(5);
    expect(results[5]!.protocol.complete_units).toBe(2);
    // The kept summary equals what summarising copies of those runs (other objects: another key) gives afresh.
    const kept = comparisonBench(runs.slice(0, 5)).result;
    const fresh = comparisonBench(runs.slice(0, 5).map((r) => structuredClone(r))).result;
    expect(fresh).not.toBe(kept);
    expect(fresh!.rows).toEqual(kept!.rows);
  });

  it('summarises again when what it reads changes: a stop, or another run object at the same place', () => {
    const runs = [run('ar', 0, 0), run('chain:3', 0, 2)];
    const first = comparisonBench(runs).result;
    expect(comparisonBench(runs, { stopped: true }).result).not.toBe(first);
    const other = comparisonBench([runs[0], run('chain:3', 0, 1)]).result;
    expect(other).not.toBe(first);
    expect(other!.rows[1].mean_acceptance_length).not.toBe(first!.rows[1].mean_acceptance_length);
  });
});
