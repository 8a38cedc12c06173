/** The CLI runner's per-process memory: what `dyspec-cal` runs learn is carried into the next run of the setting. */
import { describe, expect, it } from 'vitest';
import { Runner, type RunSettings } from '../../src/cli/runner';
import { parseStrategy } from '../../src/core/strategy';
import { fakePair } from '../worker/fake-pair';

const settings = (strategy: string, temperature: number, seed = 1): RunSettings => ({
  prompt: [3, 8, 1],
  strategy: parseStrategy(strategy),
  params: { temperature, topP: 1, topK: 0 },
  maxNewTokens: 12,
  seed,
});

describe('Runner', () => {
  it('carries the dyspec-cal calibration from run to run, one per strategy and sampling setting', async () => {
    const runner = new Runner(fakePair());
    const hot = settings('dyspec-cal:4', 0.8);
    const calibration = runner.controller.calibrations.forRun(hot.strategy, hot.params)!;
    const first = await runner.run(hot);
    const examined = (steps: typeof first.steps) =>
      steps.reduce((n, s) => n + s.decisions.filter((d, i) => i > 0 && d !== 'unvisited').length, 0);
    expect(calibration.observations).toBe(examined(first.steps));
    const second = await runner.run(settings('dyspec-cal:4', 0.8, 2));
    expect(calibration.observations).toBe(examined(first.steps) + examined(second.steps));
    // Other strategies and other settings leave it alone.
    await runner.run(settings('chain:3', 0.8));
    expect(calibration.observations).toBe(examined(first.steps) + examined(second.steps));
    await runner.run(settings('dyspec-cal:4', 0));
    expect(calibration.observations).toBe(examined(first.steps) + examined(second.steps));
    const greedy = runner.controller.calibrations.forRun(parseStrategy('dyspec-cal:4'), {
      temperature: 0,
      topP: 1,
      topK: 0,
    });
    expect(greedy?.observations).toBeGreaterThan(0);
    // Another budget of the same strategy learns on its own (a benchmark row learns only from its own runs).
    expect(runner.controller.calibrations.forRun(parseStrategy('dyspec-cal:8'), hot.params)?.observations).toBe(0);
  });
});
