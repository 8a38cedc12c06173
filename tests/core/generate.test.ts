import { describe, expect, it } from 'vitest';
import { AcceptanceCalibration } from '../../src/core/calibration';
import { InvalidSettingError } from '../../src/core/errors';
import { generate, type GenerateOptions } from '../../src/core/generate';
import { autoPlanner, fixedPlanner, type ChooseBudget, type PlanContext } from '../../src/core/planner';
import { argmax, GREEDY, type SamplingParams } from '../../src/core/sampling';
import type { StepRecord } from '../../src/core/step';
import {
  isAutoStrategy,
  parseResolvedStrategy,
  parseStrategy,
  toStrategy,
  type AutoStrategy,
} from '../../src/core/strategy';
import { chiSquareTest, SIGNIFICANCE, targetDistribution } from '../helpers/exact-law';
import { stepOf, times } from '../helpers/steps';
import { TableLm } from '../helpers/table-lm';

const VOCAB = 6;
function models(seed = 1, options: { maxPositions?: number; padding?: number } = {}) {
  const target = new TableLm({ vocab: VOCAB, order: 2, seed, maxPositions: options.maxPositions });
  const draft = new TableLm({
    vocab: VOCAB,
    order: 2,
    seed: seed + 100,
    sharpness: 0.7,
    like: target,
    paddingRows: options.padding,
    maxPositions: options.maxPositions,
  });
  return { target, draft };
}

function greedyReference(target: TableLm, prompt: number[], n: number): number[] {
  const sequence = [...prompt];
  for (let i = 0; i < n; i++) sequence.push(argmax(target.logitsFor(sequence), 0, VOCAB));
  return sequence.slice(prompt.length);
}

/** A dyspec-cal tree's estimates under curve c: reach · c(q), the reach shrinking by 1 - c(q) per earlier sibling. */
function predictedEstimates(step: StepRecord, c: (q: number, rank: number) => number): number[] {
  const { parents, draftProbs, ranks } = step.tree;
  const out = [1];
  const reachLeft: number[] = [1]; // per node: the reach of its next child's draw
  for (let i = 1; i < parents.length; i++) {
    const u = parents[i];
    const accept = c(draftProbs[i], ranks[i]);
    out.push(reachLeft[u] * accept);
    reachLeft[u] *= 1 - accept;
    reachLeft[i] = out[i];
  }
  return out;
}

/** An auto strategy from its text. */
function auto(text: string): AutoStrategy {
  const spec = parseStrategy(text);
  if (!isAutoStrategy(spec)) throw new Error(`${text} is not an auto strategy`);
  return spec;
}

/** generate's options for an auto strategy planned by `choose` (the strategy shorthand cleared). */
function autoRun(text: string, choose: ChooseBudget, context: PlanContext = {}) {
  const planner = autoPlanner(auto(text), choose, context);
  return { planner, options: { strategy: undefined, planner } };
}

const base = (overrides: Partial<GenerateOptions> = {}): GenerateOptions => ({
  ...models(),
  prompt: [1, 2, 3],
  strategy: 'chain:3',
  params: GREEDY,
  maxNewTokens: 12,
  seed: 7,
  ...overrides,
});

describe('generate', () => {
  it('runs ar with one target call and one step per token, without a draft', async () => {
    const { target } = models();
    const result = await generate(base({ target, draft: null, strategy: 'ar', maxNewTokens: 9 }));
    expect(result.tokens).toEqual(greedyReference(target, [1, 2, 3], 9));
    expect(result.steps).toHaveLength(9);
    expect(target.calls).toBe(9);
    expect(result.stopReason).toBe('max_tokens');
    for (const step of result.steps) {
      expect(step.tree.tokens).toHaveLength(1);
      expect(step.draftCalls).toBe(0);
      expect(step.emitted).toEqual([step.bonusToken]);
    }
  });

  it('makes one target call per step and records trees, paths and emitted tokens', async () => {
    const { target, draft } = models();
    const result = await generate(base({ target, draft, strategy: 'tree:3x2', maxNewTokens: 20 }));
    expect(result.tokens).toEqual(greedyReference(target, [1, 2, 3], 20));
    expect(target.calls).toBe(result.steps.length);
    expect(result.steps.flatMap((s) => s.emitted)).toEqual(result.tokens);
    result.steps.forEach((step, i) => {
      expect(step.index).toBe(i);
      expect(step.tree.tokens).toHaveLength(10);
      expect(step.draftCalls).toBe(2);
      expect(step.acceptedPath[0]).toBe(0);
      const proposed = [...step.acceptedPath.slice(1).map((n) => step.tree.tokens[n]), step.bonusToken];
      expect(step.emitted).toEqual(proposed.slice(0, step.emitted.length)); // the last step may be cut
      expect(step.decisions[0]).toBe('accepted');
      expect(step.acceptedPath.every((n) => step.decisions[n] === 'accepted')).toBe(true);
    });
    expect(result.steps.some((s) => s.acceptedPath.length > 1)).toBe(true);
  });

  it('cuts the output at maxNewTokens', async () => {
    const result = await generate(base({ strategy: 'chain:4', maxNewTokens: 5 }));
    expect(result.tokens).toHaveLength(5);
    expect(result.stopReason).toBe('max_tokens');
    expect(result.steps.flatMap((s) => s.emitted)).toEqual(result.tokens);
  });

  it('stops right after an EOS token, cutting the step', async () => {
    const { target } = models();
    const reference = greedyReference(target, [1, 2, 3], 12);
    const eos = reference[4];
    const cut = reference.indexOf(eos) + 1;
    const result = await generate(base({ strategy: 'tree:2x2x2', eosTokenIds: [99, eos] }));
    expect(result.tokens).toEqual(reference.slice(0, cut));
    expect(result.stopReason).toBe('eos');
  });

  it('returns the steps so far when aborted between steps, without throwing', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await generate(
      base({
        signal: controller.signal,
        onStep: async (step) => {
          await Promise.resolve();
          seen.push(step.index);
          if (step.index === 1) controller.abort();
        },
      }),
    );
    expect(result.stopReason).toBe('aborted');
    expect(result.steps).toHaveLength(2);
    expect(seen).toEqual([0, 1]);
    const before = await generate(base({ signal: AbortSignal.abort() }));
    expect(before).toMatchObject({ stopReason: 'aborted', steps: [], tokens: [] });
  });

  it('aborts between draft calls and leaves the draft cache holding committed rows only', async () => {
    const { target, draft } = models();
    const signal = { aborted: false };
    const forward = draft.forward.bind(draft);
    draft.forward = async (...args) => {
      const out = await forward(...args);
      if (draft.calls === 2) signal.aborted = true;
      return out;
    };
    const result = await generate(base({ target, draft, signal, strategy: 'chain:4' }));
    expect(result).toMatchObject({ stopReason: 'aborted', steps: [] });
    expect(draft.calls).toBe(2);
    expect(target.calls).toBe(0);
    expect(draft.cachedTokens).toEqual([1, 2]);
  });

  it('is reproducible for a seed at temperature > 0 and resets both caches', async () => {
    const params: SamplingParams = { temperature: 1, topP: 1, topK: 0 };
    const { target, draft } = models(3);
    const run = (seed: number) =>
      generate(base({ target, draft, params, seed, strategy: 'tree:2x2', maxNewTokens: 30 }));
    const a = await run(11);
    const b = await run(11);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.steps.map((s) => s.tree.tokens)).toEqual(a.steps.map((s) => s.tree.tokens));
    expect((await run(12)).tokens).not.toEqual(a.tokens);
  });

  it('times each step with the injected clock, the parts adding up to the total', async () => {
    let t = 0;
    const result = await generate(base({ now: () => (t += 1), strategy: 'chain:2' }));
    for (const { timings } of result.steps) {
      const { draft, tree, verify, sampling, commit, total } = timings;
      expect(Math.min(draft, tree, verify, sampling, commit)).toBeGreaterThanOrEqual(0);
      expect(draft + tree + verify + sampling + commit).toBe(total);
      expect(draft).toBeGreaterThan(0);
    }
  });

  it('takes distributions over the shared vocabulary when the draft has padding rows', async () => {
    const { target, draft } = models(1, { padding: 3 });
    const result = await generate(base({ target, draft, strategy: 'chain:3', maxNewTokens: 15 }));
    expect(result.tokens).toEqual(greedyReference(target, [1, 2, 3], 15));
  });

  it('keeps trees inside the models context near its end', async () => {
    const { target, draft } = models(1, { maxPositions: 12 });
    const result = await generate(base({ target, draft, prompt: [1, 2], strategy: 'chain:8', maxNewTokens: 10 }));
    expect(result.tokens).toEqual(greedyReference(target, [1, 2], 10));
  });

  it('runs an auto strategy through its planner and refuses it as a bare strategy', async () => {
    await expect(generate(base({ strategy: 'dyspec:auto' }))).rejects.toThrow(/controller/);
    const { planner, options } = autoRun('dyspec:auto', () => 5);
    const result = await generate(base(options));
    expect(result.strategy).toEqual({ kind: 'dyspec', budget: 5 });
    expect(Math.max(...result.steps.map((s) => s.tree.tokens.length))).toBe(6);
    expect(planner.chosen).toEqual(result.steps.map(() => 5));
  });

  it.each(['dyspec-cal:auto', 'dyspec:auto', 'sequoia:auto'])(
    '%s: asks the chooser before every step with the steps so far, and builds trees of the chosen sizes',
    async (strategy) => {
      const { target, draft } = models(4);
      const plan = [3, 7, 1, 12, 0, 7, 5, 7, 2]; // 0: a target-only step
      const seen: { steps: number; indices: number[]; targetCalls: number }[] = [];
      const choose: ChooseBudget = async (steps) => {
        seen.push({ steps: steps.length, indices: steps.map((s) => s.index), targetCalls: target.calls });
        await Promise.resolve();
        return plan[seen.length - 1] ?? 4;
      };
      const { planner, options } = autoRun(strategy, choose);
      const result = await generate(base({ target, draft, ...options, maxNewTokens: 120 }));
      const n = result.steps.length;
      expect(n).toBeGreaterThan(plan.length);
      expect(result.tokens).toEqual(greedyReference(target, [1, 2, 3], 120));
      expect(seen).toHaveLength(n);
      seen.forEach((call, k) => {
        expect(call.steps).toBe(k); // 0, 1, 2, ...: asked before step k with the k steps so far
        expect(call.indices).toEqual(Array.from({ length: k }, (_, j) => j));
        expect(call.targetCalls).toBe(k);
      });
      const chosen = Array.from({ length: n }, (_, k) => plan[k] ?? 4);
      expect(planner.chosen).toEqual(chosen);
      expect(result.steps.map((s) => s.tree.tokens.length - 1)).toEqual(chosen);
      const arStep = result.steps[plan.indexOf(0)];
      expect(arStep.draftCalls).toBe(0);
      expect(arStep.tree.sources).toEqual([null]);
      // Most frequent budget: 4 (every step after the plan) beats 7 (three times) once there are four such steps.
      const fours = n - plan.length;
      expect(result.strategy).toEqual(toStrategy(`${strategy.split(':')[0]}:${fours >= 3 ? 4 : 7}`));
    },
  );

  it('resolves an auto strategy to its most frequent budget, ties going to the one chosen first', async () => {
    const runWith = async (plan: number[]) => {
      const controller = new AbortController();
      const { planner, options } = autoRun('dyspec-cal:auto', (steps) => plan[steps.length]);
      const result = await generate(
        base({
          ...options,
          maxNewTokens: 40,
          signal: controller.signal,
          onStep: (step) => {
            if (step.index === plan.length - 1) controller.abort();
          },
        }),
      );
      expect(result.steps).toHaveLength(plan.length);
      expect(planner.chosen).toEqual(plan);
      return result.strategy;
    };
    expect(await runWith([7, 3])).toEqual({ kind: 'dyspec-cal', budget: 7 });
    expect(await runWith([3, 7, 7, 3])).toEqual({ kind: 'dyspec-cal', budget: 3 });
    expect(await runWith([2, 5, 5, 9, 2, 5])).toEqual({ kind: 'dyspec-cal', budget: 5 });
    expect(await runWith([6])).toEqual({ kind: 'dyspec-cal', budget: 6 });
    // Budget 0 is a target-only step: a run that mostly chose it resolves to ar.
    expect(await runWith([0, 4, 0])).toEqual({ kind: 'ar' });
    expect(await runWith([4, 0, 0, 4])).toEqual({ kind: 'dyspec-cal', budget: 4 });
  });

  it('records only the steps that ran in chosen: a step cut short by an abort is not one', async () => {
    const { target, draft } = models();
    const signal = { aborted: false };
    const { planner, options } = autoRun('dyspec:auto', (steps) => (steps.length === 0 ? 3 : 6));
    const forward = draft.forward.bind(draft);
    draft.forward = async (...args) => {
      const out = await forward(...args);
      if (target.calls === 1) signal.aborted = true; // during the second step's drafting
      return out;
    };
    const result = await generate(base({ target, draft, ...options, signal }));
    expect(result.stopReason).toBe('aborted');
    expect(result.steps).toHaveLength(1);
    expect(planner.chosen).toEqual([3]);
  });

  it('returns the strategy as given when nothing is auto, and null when no step ran', async () => {
    for (const strategy of ['chain:3', 'dyspec-cal:5', 'ar', 'sequoia:6:2']) {
      const result = await generate(base({ strategy }));
      expect(result.strategy).toEqual(toStrategy(strategy));
      if (strategy === 'dyspec-cal:5') expect(result.steps.every((s) => s.tree.tokens.length === 6)).toBe(true);
      const planned = await generate(
        base({ strategy: undefined, planner: fixedPlanner(parseResolvedStrategy(strategy)) }),
      );
      expect(planned.tokens).toEqual(result.tokens);
      expect(planned.steps.map((s) => s.tree)).toEqual(result.steps.map((s) => s.tree));
      expect(planned.strategy).toEqual(result.strategy);
    }
    const none = await generate(base({ signal: AbortSignal.abort() }));
    expect(none.strategy).toBeNull();
  });

  it.each(['dyspec-cal:auto', 'sequoia:auto', 'dyspec:auto'])(
    'refuses %s as a bare strategy (no planner) before any model call',
    async (strategy) => {
      const { target, draft } = models();
      const error = await generate(base({ target, draft, strategy })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSettingError);
      expect((error as InvalidSettingError).setting).toBe('strategy');
      expect((error as Error).message).toMatch(new RegExp(`${strategy}.*controller`));
      expect(target.calls).toBe(0);
      expect(draft.calls).toBe(0);
    },
  );

  it('refuses a planner together with a strategy, and neither, before any model call', async () => {
    const { target, draft } = models();
    const planner = fixedPlanner(parseResolvedStrategy('chain:2'));
    const both = await generate(base({ target, draft, planner })).catch((e: unknown) => e); // base gives chain:3
    const neither = await generate(base({ target, draft, strategy: undefined })).catch((e: unknown) => e);
    for (const error of [both, neither]) {
      expect(error).toBeInstanceOf(InvalidSettingError);
      expect((error as InvalidSettingError).setting).toBe('strategy');
    }
    expect((both as Error).message).toMatch(/planner or a strategy, not both/);
    expect((neither as Error).message).toMatch(/needs a strategy or a planner/);
    expect(target.calls + draft.calls).toBe(0);
  });

  it.each([-1, 2.5, 300])('refuses a chooser budget of %s before any model call', async (budget) => {
    const { target, draft } = models();
    const { options } = autoRun('dyspec-cal:auto', () => budget);
    const error = await generate(base({ target, draft, ...options })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect(target.calls + draft.calls).toBe(0);
  });

  it('runs chooser budget 0 as ar: target only, no draft call, same greedy output', async () => {
    const { target, draft } = models();
    for (const strategy of ['dyspec-cal:auto', 'dyspec:auto', 'sequoia:auto']) {
      const { planner, options } = autoRun(strategy, () => 0);
      const draftCalls = draft.calls;
      const result = await generate(base({ target, draft, ...options, maxNewTokens: 9 }));
      expect(result.tokens).toEqual(greedyReference(target, [1, 2, 3], 9));
      expect(result.steps).toHaveLength(9);
      expect(result.steps.every((s) => s.tree.tokens.length === 1 && s.draftCalls === 0)).toBe(true);
      expect(draft.calls).toBe(draftCalls);
      expect(planner.chosen).toEqual(new Array(9).fill(0));
      expect(result.strategy).toEqual({ kind: 'ar' });
    }
  });

  it('adds every examined draft node of every dyspec-cal step to the calibration of its plan context', async () => {
    const params: SamplingParams = { temperature: 1, topP: 1, topK: 0 };
    const planners = [
      (calibration: AcceptanceCalibration) => fixedPlanner(parseResolvedStrategy('dyspec-cal:8'), { calibration }),
      // budget 0 steps among them: they examine nothing and add nothing
      (calibration: AcceptanceCalibration) =>
        autoPlanner(auto('dyspec-cal:auto'), (steps) => (steps.length % 3 === 1 ? 0 : 6), { calibration }),
    ];
    for (const plannerOf of planners) {
      const calibration = new AcceptanceCalibration();
      const planner = plannerOf(calibration);
      const result = await generate(base({ strategy: undefined, planner, params, maxNewTokens: 25 }));
      const examined = result.steps.flatMap((s) => s.decisions.slice(1).filter((d) => d !== 'unvisited'));
      expect(examined.length).toBeGreaterThan(0);
      expect(calibration.observations).toBe(examined.length);
      expect(calibration.accepted.reduce((a, b) => a + b, 0)).toBe(examined.filter((d) => d === 'accepted').length);
      const fresh = new AcceptanceCalibration();
      fresh.observe(result.steps);
      expect(calibration.fitted()).toEqual(fresh.fitted());
    }
  });

  it('keys each dyspec-cal tree by the calibration learned from the earlier steps (and what was passed in)', async () => {
    // A prior run's lesson: mid-probability tokens are never accepted, confident ones always.
    const lesson = stepOf([...times(300, [0.25, 'rejected']), ...times(300, [0.95, 'accepted'])]);
    const calibration = new AcceptanceCalibration();
    calibration.observe([lesson]);
    const params: SamplingParams = { temperature: 0.9, topP: 1, topK: 0 };
    const { target, draft } = models(5);
    const spec = parseResolvedStrategy('dyspec-cal:10');
    const result = await generate(
      base({
        target,
        draft,
        strategy: undefined,
        planner: fixedPlanner(spec, { calibration }),
        params,
        maxNewTokens: 30,
        seed: 3,
      }),
    );
    expect(result.steps.length).toBeGreaterThan(4);
    const replay = new AcceptanceCalibration();
    replay.observe([lesson]);
    const stale = replay.estimator(); // the curve before the run
    let differsFromStale = 0;
    for (const step of result.steps) {
      const c = replay.estimator();
      const predicted = predictedEstimates(step, c);
      step.tree.estimates.forEach((e, i) => expect(e).toBeCloseTo(predicted[i], 12));
      if (predictedEstimates(step, stale).some((e, i) => Math.abs(e - step.tree.estimates[i]) > 1e-9)) {
        differsFromStale++;
      }
      replay.observe([step]);
    }
    expect(differsFromStale).toBeGreaterThan(0); // the curve did move within the run
    expect(calibration.fitted()).toEqual(replay.fitted());
    // The default is a fresh calibration: same run as passing a new one.
    const a = await generate(base({ strategy: 'dyspec-cal:10', params, seed: 3 }));
    const b = await generate(
      base({
        strategy: undefined,
        planner: fixedPlanner(spec, { calibration: new AcceptanceCalibration() }),
        params,
        seed: 3,
      }),
    );
    expect(b.tokens).toEqual(a.tokens);
    expect(b.steps.map((s) => s.tree)).toEqual(a.steps.map((s) => s.tree));
  });

  it.each<[string, Partial<GenerateOptions>, string, RegExp]>([
    ['maxNewTokens 0', { maxNewTokens: 0 }, 'maxNewTokens', /got 0/],
    ['maxNewTokens 2.5', { maxNewTokens: 2.5 }, 'maxNewTokens', /2\.5/],
    ['temperature -1', { params: { temperature: -1, topP: 1, topK: 0 } }, 'temperature', /-1/],
    ['top-p 0', { params: { temperature: 1, topP: 0, topK: 0 } }, 'topP', /got 0/],
    ['an empty prompt', { prompt: [] }, 'prompt', /at least one token/],
    ['a prompt token outside the vocabulary', { prompt: [1, 6] }, 'prompt', /token 6/],
    [
      'a prompt + max tokens past maxPositions',
      { ...models(1, { maxPositions: 10 }), maxNewTokens: 8 },
      'maxNewTokens',
      /\(3 tokens\).*\(8\) = 11.*10 positions/,
    ],
    ['chain without a draft', { draft: null }, 'draft', /chain:3 needs a draft/],
    ['vocab above the models', { vocab: 7 }, 'vocab', /got 7/],
    ['strategy chain:0', { strategy: 'chain:0' }, 'strategy', /"0"/],
    ['seed NaN', { seed: NaN }, 'seed', /NaN/],
    ['maxNodes 0', { maxNodes: 0 }, 'maxNodes', /got 0/],
  ])('rejects %s as an InvalidSettingError(%s) before any model call', async (_, overrides, setting, message) => {
    const options = base(overrides);
    const error = await generate(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect((error as InvalidSettingError).setting).toBe(setting);
    expect((error as Error).message).toMatch(message);
    expect((options.target as TableLm).calls).toBe(0);
  });
});

describe('generate at temperature > 0 with top-k / top-p', () => {
  it.each<[string, SamplingParams, 'fresh' | 'carried']>([
    ['tree:2x2', { temperature: 1, topP: 0.8, topK: 0 }, 'fresh'],
    ['chain:2', { temperature: 0.7, topP: 0.9, topK: 3 }, 'fresh'],
    // The calibration changes with every step (and, carried, with every earlier run): still the target's law.
    ['dyspec-cal:6', { temperature: 0.7, topP: 0.9, topK: 3 }, 'fresh'],
    ['dyspec-cal:auto', { temperature: 1, topP: 0.8, topK: 0 }, 'carried'],
  ])('%s: the first two tokens follow the target truncated law (%j, %s calibration)', async (strategy, params, cal) => {
    const { target, draft } = models(21);
    const prompt = [4, 1];
    const first = targetDistribution(target, prompt, params, VOCAB);
    expect(first.filter((p) => p === 0).length).toBeGreaterThan(0); // truncation is in play
    const law = Array.from({ length: VOCAB * VOCAB }, (_, i) => {
      const [a, b] = [Math.floor(i / VOCAB), i % VOCAB];
      return first[a] * targetDistribution(target, [...prompt, a], params, VOCAB)[b];
    });
    const counts = new Float64Array(VOCAB * VOCAB);
    let accepted = 0;
    const record = (step: StepRecord) => void (accepted += step.acceptedPath.length - 1);
    const calibration = cal === 'carried' ? new AcceptanceCalibration() : undefined;
    const choose: ChooseBudget = (steps) => (steps.length === 0 ? 2 : 5);
    const spec = parseStrategy(strategy);
    for (let seed = 0; seed < 20_000; seed++) {
      const plan = isAutoStrategy(spec)
        ? { planner: autoPlanner(spec, choose, { calibration }) }
        : { planner: fixedPlanner(spec, { calibration }) };
      const result = await generate({ target, draft, prompt, ...plan, params, maxNewTokens: 2, seed, onStep: record });
      counts[result.tokens[0] * VOCAB + result.tokens[1]]++;
    }
    expect(accepted).toBeGreaterThan(5_000);
    if (calibration) expect(calibration.observations).toBeGreaterThan(20_000);
    expect(chiSquareTest(counts, law).pValue).toBeGreaterThan(SIGNIFICANCE);
  });
});
