import { describe, expect, it } from 'vitest';
import { InvalidSettingError } from '../../src/core/errors';
import { generate, type GenerateOptions } from '../../src/core/generate';
import { argmax, GREEDY, type SamplingParams } from '../../src/core/sampling';
import type { StepRecord } from '../../src/core/step';
import { chiSquareTest, SIGNIFICANCE, targetDistribution } from '../helpers/exact-law';
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

  it('resolves auto strategies through chooseBudget and refuses them without one', async () => {
    await expect(generate(base({ strategy: 'dyspec:auto' }))).rejects.toThrow(/budget chooser/);
    const result = await generate(base({ strategy: 'dyspec:auto', chooseBudget: () => ({ budget: 5 }) }));
    expect(result.strategy).toEqual({ kind: 'dyspec', budget: 5 });
    expect(Math.max(...result.steps.map((s) => s.tree.tokens.length))).toBe(6);
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
  it.each<[string, SamplingParams]>([
    ['tree:2x2', { temperature: 1, topP: 0.8, topK: 0 }],
    ['chain:2', { temperature: 0.7, topP: 0.9, topK: 3 }],
  ])('%s: the first two tokens follow the target truncated law', async (strategy, params) => {
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
    for (let seed = 0; seed < 20_000; seed++) {
      const result = await generate({ target, draft, prompt, strategy, params, maxNewTokens: 2, seed, onStep: record });
      counts[result.tokens[0] * VOCAB + result.tokens[1]]++;
    }
    expect(accepted).toBeGreaterThan(5_000);
    expect(chiSquareTest(counts, law).pValue).toBeGreaterThan(SIGNIFICANCE);
  });
});

describe('the public index', () => {
  it('re-exports the engine', async () => {
    const core = await import('../../src/core/index');
    for (const name of [
      'generate',
      'parseStrategy',
      'formatStrategy',
      'builderFor',
      'verifyTree',
      'TokenTree',
      'Rng',
    ]) {
      expect(core).toHaveProperty(name);
    }
  });
});
