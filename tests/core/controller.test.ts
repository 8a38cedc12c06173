/**
 * The pair controller on fake-timed pairs (tests/helpers/timed-pair.ts): every forward call advances a fake clock by
 * a cost model, so the latency profile, each step's timings and each run's wall time are exact, and the budget
 * choices of the `auto` strategies are deterministic.
 */
import { describe, expect, it } from 'vitest';
import { PROFILE_REPEATS, type ControllerDeps, type PairController, type RunOutcome } from '../../src/core/controller';
import { measureLatency } from '../../src/core/latency';
import { GREEDY, type SamplingParams } from '../../src/core/sampling';
import { DEFAULT_SEQUOIA_ACCEPTANCE, parseStrategy } from '../../src/core/strategy';
import { callMs, FakeClock, fixedPrompts, timedPair, type PairKind, type TimedPair } from '../helpers/timed-pair';

const AUTO = ['dyspec:auto', 'sequoia:auto', 'dyspec-cal:auto'] as const;
const TOKENS = 64;
const RUNS = 6;
const RUN = { maxNewTokens: TOKENS, seed: 1 };

/** `RUNS` runs of `text` on one controller over the pair, one prompt each. */
async function runs(
  pair: TimedPair,
  text: string,
  options: { params?: SamplingParams; count?: number; controller?: ReturnType<TimedPair['controller']> } = {},
): Promise<RunOutcome[]> {
  const controller = options.controller ?? pair.controller();
  const out: RunOutcome[] = [];
  for (const [i, prompt] of fixedPrompts(options.count ?? RUNS, 8, pair.vocab).entries()) {
    out.push(
      await controller.run({
        prompt,
        strategy: parseStrategy(text),
        params: options.params ?? GREEDY,
        maxNewTokens: TOKENS,
        seed: 100 + i,
      }),
    );
  }
  return out;
}

/** Wall ms per token over the runs. */
function msPerToken(outcomes: readonly RunOutcome[]): number {
  const ms = outcomes.reduce((sum, o) => sum + o.wallMs, 0);
  return ms / outcomes.reduce((sum, o) => sum + o.tokens.length, 0);
}

describe('the fake-timed pair', () => {
  it('profiles each model at exactly its cost model, once per controller', async () => {
    const pair = timedPair({ kind: 'steep' });
    const controller = pair.controller();
    const target = await controller.profile('target');
    const draft = await controller.profile('draft');
    expect(target.ms).toEqual(target.sizes.map((n) => callMs(pair.target.cost, n)));
    expect(target.rawMs).toEqual(target.ms);
    expect(draft.ms).toEqual(draft.sizes.map((n) => callMs(pair.draft.cost, n)));
    expect(target.repeats).toBe(PROFILE_REPEATS);
    const calls = pair.target.callSizes.length;
    expect(await controller.profile('target')).toBe(target); // measured once
    await runs(pair, 'dyspec:auto', { controller, count: 1 }); // the chooser reuses it
    expect(pair.target.callSizes.length - calls).toBeLessThanOrEqual(TOKENS);
  });

  it("times each run as the sum of its calls' costs, the profiling an auto run triggers left out", async () => {
    const pair = timedPair({ kind: 'good' });
    const controller = pair.controller();
    const before = { target: pair.target.callSizes.length, draft: pair.draft.callSizes.length };
    const [first] = await runs(pair, 'dyspec-cal:auto', { controller, count: 1 });
    // The profile's calls come first (a prefill, then each size twice per round): the run's calls are the ones after.
    const profiled = (await controller.profile('target')).sizes.length * (PROFILE_REPEATS + 1) * 2 + 1;
    const draftProfiled = (await controller.profile('draft')).sizes.length * (PROFILE_REPEATS + 1) * 2 + 1;
    const spent = (lm: TimedPair['target'], from: number) =>
      lm.callSizes.slice(from).reduce((ms, n) => ms + callMs(lm.cost, n), 0);
    // Exact: every time on the fake clock is on its 1/1024 ms grid.
    expect(first.wallMs).toBe(
      spent(pair.target, before.target + profiled) + spent(pair.draft, before.draft + draftProfiled),
    );
    expect(first.steps.reduce((ms, s) => ms + s.timings.total, 0)).toBe(first.wallMs);
  });
});

describe('PairController: auto budgets', () => {
  describe.each<PairKind>(['useless', 'steep'])('on a pair where speculation does not pay (%s)', (kind) => {
    it.each(AUTO)('%s chooses budget 0 (no speculation) once the steps show it', async (text) => {
      const pair = timedPair({ kind });
      const outcomes = await runs(pair, text);
      const later = outcomes.slice(1);
      for (const o of outcomes) expect(o.chosenBudgets).toHaveLength(o.steps.length);
      for (const o of later) expect(o.resolved).toBe('ar');
      const chosen = later.flatMap((o) => o.chosenBudgets);
      expect(chosen.filter((b) => b === 0).length).toBeGreaterThanOrEqual(0.8 * chosen.length);
      // Budget-0 steps are target-only: the root alone, no draft call.
      for (const o of later) {
        o.steps.forEach((s, i) => {
          if (o.chosenBudgets[i] === 0) expect([s.tree.tokens.length, s.draftCalls]).toEqual([1, 0]);
        });
      }
      // ... and it loses little against never speculating.
      const ar = await runs(pair, 'ar');
      expect(msPerToken(later)).toBeLessThanOrEqual(1.05 * msPerToken(ar.slice(1)));
      expect(msPerToken(await runs(pair, text.replace('auto', '8')))).toBeGreaterThan(1.2 * msPerToken(ar));
    });
  });

  it.each(AUTO)('%s speculates where it pays: a close draft, a nearly flat verify cost', async (text) => {
    const pair = timedPair({ kind: 'good' });
    const outcomes = await runs(pair, text);
    for (const o of outcomes) {
      expect(o.chosenBudgets.every((b) => b > 0)).toBe(true);
      const resolved = parseStrategy(o.resolved);
      expect(resolved.kind).toBe(text.split(':')[0]);
      expect((resolved as { budget: number }).budget).toBeGreaterThanOrEqual(4);
    }
    const ar = await runs(pair, 'ar');
    expect(msPerToken(outcomes)).toBeLessThan(0.5 * msPerToken(ar));
  });

  it.each(AUTO)(
    "%s prices budget 0 by the target-only steps of all of the pair's ar runs, not only its own",
    async (text) => {
      // A profile that misjudges t(1) as t(2) makes speculation look worth it on the steep pair, where it is not.
      const misjudged: ControllerDeps['measure'] = async (role, model, options) => {
        const p = await measureLatency(model, options);
        return role === 'target' ? { ...p, ms: p.ms.map((ms) => Math.max(ms, p.ms[1])) } : p;
      };
      const zeros = (o: RunOutcome) => o.chosenBudgets.filter((b) => b === 0).length / o.chosenBudgets.length;
      const fed = timedPair({ kind: 'steep' }).controller({ measure: misjudged });
      const alone = timedPair({ kind: 'steep' }).controller({ measure: misjudged });
      const run = (c: PairController, strategy: string, i: number) =>
        c.run({ prompt: fixedPrompts(4, 8, 32)[i], strategy: parseStrategy(strategy), params: GREEDY, ...RUN });
      await run(fed, text, 0);
      await run(alone, text, 0);
      for (const i of [1, 2]) await run(fed, 'ar', i);
      const [afterAr, ownOnly] = [await run(fed, text, 3), await run(alone, text, 3)];
      expect(zeros(ownOnly)).toBeLessThan(0.5); // its own few target-only steps do not outweigh the profile
      expect(zeros(afterAr)).toBeGreaterThan(0.9); // 128 measured ar steps do
    },
  );

  it("holds what ar runs lend the choosers until the unit's end while a benchmark asks it to", async () => {
    const misjudged: ControllerDeps['measure'] = async (role, model, options) => {
      const p = await measureLatency(model, options);
      return role === 'target' ? { ...p, ms: p.ms.map((ms) => Math.max(ms, p.ms[1])) } : p;
    };
    const zeros = (o: RunOutcome) => o.chosenBudgets.filter((b) => b === 0).length / o.chosenBudgets.length;
    const controller = timedPair({ kind: 'steep' }).controller({ measure: misjudged });
    const run = (strategy: string, i: number) =>
      controller.run({ prompt: fixedPrompts(5, 8, 32)[i], strategy: parseStrategy(strategy), params: GREEDY, ...RUN });
    await run('dyspec:auto', 0);
    controller.lendStepsAt('unit');
    for (const i of [1, 2]) await run('ar', i);
    expect(zeros(await run('dyspec:auto', 3))).toBeLessThan(0.5); // the ar steps are held
    controller.endUnit();
    expect(zeros(await run('dyspec:auto', 4))).toBeGreaterThan(0.9);
  });

  describe('determinism', () => {
    const params: SamplingParams[] = [GREEDY, { temperature: 0.8, topP: 0.95, topK: 0 }];

    it.each(params)('two controllers fed the same runs on one fake clock choose the same budgets (%j)', async (p) => {
      const clock = new FakeClock();
      const pairs = [timedPair({ kind: 'good', clock }), timedPair({ kind: 'good', clock })];
      const controllers = pairs.map((pair) => pair.controller());
      const outcomes: RunOutcome[][] = [[], []];
      const prompts = fixedPrompts(4, 8, pairs[0].vocab);
      for (const [i, prompt] of prompts.entries()) {
        for (const text of [...AUTO, 'sequoia:8', 'dyspec:auto@context+model']) {
          for (const k of [0, 1]) {
            // interleaved: the shared clock runs on between the two controllers' runs
            const settings = { prompt, strategy: parseStrategy(text), params: p, maxNewTokens: 48, seed: i };
            outcomes[k].push(await controllers[k].run(settings));
          }
        }
      }
      expect(outcomes[1].map((o) => o.chosenBudgets)).toEqual(outcomes[0].map((o) => o.chosenBudgets));
      expect(outcomes[1]).toEqual(outcomes[0]); // tokens, steps and their timings, wall times
      expect(outcomes[0].some((o) => new Set(o.chosenBudgets).size > 1)).toBe(true); // the choices did move
      expect(controllers[1].sequoiaAcceptance()).toEqual(controllers[0].sequoiaAcceptance());
    });

    it('a controller handed the same profile (a memoised measurement) makes the same choices', async () => {
      const pair = timedPair({ kind: 'useless' });
      const measured = pair.controller();
      const a = await runs(pair, 'dyspec-cal:auto', { controller: measured });
      const twin = timedPair({ kind: 'useless' });
      const memoised = twin.controller({ measure: (role) => measured.profile(role) });
      const b = await runs(twin, 'dyspec-cal:auto', { controller: memoised });
      expect(b.map((o) => o.chosenBudgets)).toEqual(a.map((o) => o.chosenBudgets));
      expect(b).toEqual(a);
      expect(twin.target.callSizes.length).toBe(b.reduce((n, o) => n + o.steps.length, 0)); // no profiling calls
    });
  });

  describe.each<PairKind>(['good', 'useless', 'steep'])('exactness on the %s pair', (kind) => {
    it.each(AUTO)("%s at T = 0 emits the target's greedy output whatever the budgets", async (text) => {
      const pair = timedPair({ kind });
      const outcomes = await runs(pair, text);
      const prompts = fixedPrompts(RUNS, 8, pair.vocab);
      outcomes.forEach((o, i) => {
        expect(o.tokens).toEqual(pair.greedy(prompts[i], TOKENS));
        expect(o.stopReason).toBe('max_tokens');
      });
      if (kind !== 'good') {
        // target-only and speculative steps mixed within one run
        expect(outcomes.some((o) => o.chosenBudgets.includes(0) && o.chosenBudgets.some((b) => b > 0))).toBe(true);
      }
    });
  });
});

describe('PairController: what it learns across runs', () => {
  it("keeps each dyspec-cal strategy's calibration apart and carries it into that strategy's next run", async () => {
    const pair = timedPair({ kind: 'good' });
    const controller = pair.controller();
    const hot: SamplingParams = { temperature: 0.8, topP: 1, topK: 0 };
    const auto = () => controller.calibrations.forRun(parseStrategy('dyspec-cal:auto'), hot)!;
    const fixed = () => controller.calibrations.forRun(parseStrategy('dyspec-cal:8'), hot)!;
    const [first] = await runs(pair, 'dyspec-cal:auto', { controller, params: hot, count: 1 });
    const examined = (o: RunOutcome) =>
      o.steps.reduce((n, s) => n + s.decisions.slice(1).filter((d) => d !== 'unvisited').length, 0);
    expect(auto().observations).toBe(examined(first));
    expect(fixed().observations).toBe(0);
    const [second] = await runs(pair, 'dyspec-cal:8', { controller, params: hot, count: 1 });
    expect(fixed().observations).toBe(examined(second));
    expect(auto().observations).toBe(examined(first));
    expect(controller.calibrations.forRun(parseStrategy('dyspec-cal:auto'), GREEDY)!.observations).toBe(0);
  });

  it("measures Sequoia's per-rank acceptance from speculative steps, and holds it once frozen", async () => {
    const pair = timedPair({ kind: 'good' });
    const controller = pair.controller();
    expect(controller.sequoiaAcceptance()).toEqual([...DEFAULT_SEQUOIA_ACCEPTANCE]);
    await runs(pair, 'ar', { controller, count: 2 }); // target-only steps say nothing about acceptance
    expect(controller.sequoiaAcceptance()).toEqual([...DEFAULT_SEQUOIA_ACCEPTANCE]);
    await runs(pair, 'tree:4x2', { controller, count: 2 });
    const measured = controller.sequoiaAcceptance();
    expect(measured[0]).toBeGreaterThan(DEFAULT_SEQUOIA_ACCEPTANCE[0]); // a close draft's first child: mostly right
    expect(controller.freezeSequoiaAcceptance()).toEqual(measured);
    await runs(pair, 'chain:4', { controller, count: 2 });
    expect(controller.sequoiaAcceptance()).toEqual(measured);
    expect(controller.freezeSequoiaAcceptance()).not.toEqual(measured); // a new freeze reads the new steps
  });
});
