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
  it('carries the dyspec-cal calibration from run to run, one per sampling setting', async () => {
    const runner = new Runner(fakePair());
    const hot = settings('dyspec-cal:4', 0.8);
    const calibration = runner.calibrations.for(hot.params);
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
    expect(runner.calibrations.for({ temperature: 0, topP: 1, topK: 0 }).observations).toBeGreaterThan(0);
  });
});
