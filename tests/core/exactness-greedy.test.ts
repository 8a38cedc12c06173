/**
 * Lossless at temperature 0 (DESIGN.md §1): for every strategy, the generated text is token for token the target's
 * own greedy decoding, whatever the draft (close, noisy or unrelated), the tree caps, EOS and context limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/core/generate';
import { argmax, GREEDY } from '../../src/core/sampling';
import { TableLm } from '../helpers/table-lm';

const STRATEGIES = [
  'ar',
  'chain:1',
  'chain:2',
  'chain:3',
  'chain:4',
  'tree:1',
  'tree:3',
  'tree:3x2',
  'tree:4x2x1',
  'tree:2x2x2x2',
  'sequoia:8',
  'sequoia:16:3',
  'dyspec:6',
  'dyspec:24',
  'dyspec-cal:6',
  'dyspec-cal:24',
  'dyspec-t:0.1',
  'dyspec-t:0.02:32',
];

const caseArb = fc.record({
  vocab: fc.integer({ min: 4, max: 12 }),
  order: fc.integer({ min: 1, max: 3 }),
  sharpness: fc.double({ min: 0.5, max: 4, noNaN: true }),
  /** 'like' = target plus noise of this scale; 'unrelated' = an independent table. */
  draftKind: fc.constantFrom('like', 'like', 'unrelated'),
  noise: fc.double({ min: 0.1, max: 3, noNaN: true }),
  draftOrder: fc.integer({ min: 1, max: 3 }),
  padTarget: fc.constantFrom(0, 0, 3),
  padDraft: fc.constantFrom(0, 0, 2),
  prompt: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
  maxNewTokens: fc.integer({ min: 1, max: 24 }),
  tightContext: fc.boolean(),
  maxNodes: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 3 }),
  eos: fc.option(fc.nat(), { freq: 2 }),
  seed: fc.nat(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function setUp(c: Case) {
  const prompt = c.prompt.map((t) => t % c.vocab);
  const maxPositions = c.tightContext ? prompt.length + c.maxNewTokens : 4096;
  const target = new TableLm({
    vocab: c.vocab,
    order: c.order,
    seed: c.seed,
    sharpness: c.sharpness,
    paddingRows: c.padTarget,
    maxPositions,
  });
  const draft = new TableLm({
    vocab: c.vocab,
    order: c.draftOrder,
    seed: c.seed + 1,
    sharpness: c.draftKind === 'like' ? c.noise : c.sharpness,
    like: c.draftKind === 'like' ? target : undefined,
    paddingRows: c.padDraft,
    maxPositions,
  });
  const eos = c.eos === null ? [] : [c.eos % c.vocab];
  return { prompt, target, draft, eos };
}

/** The target's greedy continuation, stopping after EOS. */
function greedy(target: TableLm, prompt: number[], vocab: number, maxNewTokens: number, eos: number[]): number[] {
  const sequence = [...prompt];
  while (sequence.length - prompt.length < maxNewTokens) {
    const next = argmax(target.logitsFor(sequence), 0, vocab);
    sequence.push(next);
    if (eos.includes(next)) break;
  }
  return sequence.slice(prompt.length);
}

describe('temperature 0: identical to the target greedy decoding', () => {
  it.each(STRATEGIES)('%s', async (strategy) => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { prompt, target, draft, eos } = setUp(c);
        const result = await generate({
          draft,
          target,
          prompt,
          strategy,
          params: GREEDY,
          maxNewTokens: c.maxNewTokens,
          seed: c.seed,
          eosTokenIds: eos,
          maxNodes: c.maxNodes ?? undefined,
        });
        const expected = greedy(target, prompt, c.vocab, c.maxNewTokens, eos);
        expect(result.tokens).toEqual(expected);
        expect(result.stopReason).toBe(eos.includes(expected[expected.length - 1]) ? 'eos' : 'max_tokens');
        expect(target.calls).toBe(result.steps.length);
        expect(result.steps.every((s) => s.emitted.length >= 1)).toBe(true);
        if (strategy === 'ar') expect(result.steps).toHaveLength(expected.length);
      }),
      { seed: 20240611, numRuns: 30 },
    );
  });
});
