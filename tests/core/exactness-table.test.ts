/**
 * Table drafts and hybrids are lossless like every strategy: at temperature 0 the text is the target's greedy text
 * token for token, and at temperature > 0 one step through the engine's own draft side (createDraftStep over the
 * context, a corpus datastore and the draft model) follows the target's law (chi-square, as for the model drafts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDraftStep } from '../../src/core/draft-context';
import { generate } from '../../src/core/generate';
import { SuffixIndex } from '../../src/core/ngram/suffix-index';
import { Rng } from '../../src/core/rng';
import { argmax, GREEDY, type SamplingParams } from '../../src/core/sampling';
import { builderFor, parseResolvedStrategy, parseStrategy, sourcesOf } from '../../src/core/strategy';
import { checkStepLaw, SIGNIFICANCE } from '../helpers/exact-law';
import { TableLm } from '../helpers/table-lm';

/** A corpus the target might have written: its own samples from a few starts (so table drafts are often right). */
function targetCorpus(target: TableLm, vocab: number, length: number, seed: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  while (out.length < length) {
    const t = rng.next() < 0.2 ? Math.floor(rng.next() * vocab) : argmax(target.logitsFor(out.slice(-4)), 0, vocab);
    out.push(t);
  }
  return out;
}

const GREEDY_STRATEGIES = [
  'chain:3@context',
  'chain:4@corpus',
  'tree:3x2@context',
  'tree:2x2@corpus+model',
  'sequoia:8@context+corpus',
  'dyspec:6@context',
  'dyspec:12@context+model',
  'dyspec-cal:8@corpus',
  'dyspec-cal:16@context+corpus+model',
  'dyspec-t:0.1@context+corpus',
];

const greedyCase = fc.record({
  vocab: fc.integer({ min: 3, max: 10 }),
  order: fc.integer({ min: 1, max: 3 }),
  sharpness: fc.double({ min: 0.5, max: 4, noNaN: true }),
  prompt: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
  maxNewTokens: fc.integer({ min: 1, max: 30 }),
  maxNodes: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 3 }),
  eos: fc.option(fc.nat(), { freq: 2 }),
  corpusLength: fc.integer({ min: 0, max: 300 }),
  seed: fc.nat(),
});

describe('table sources, temperature 0: identical to the target greedy decoding', () => {
  it.each(GREEDY_STRATEGIES)('%s', async (strategy) => {
    await fc.assert(
      fc.asyncProperty(greedyCase, async (c) => {
        const target = new TableLm({ vocab: c.vocab, order: c.order, seed: c.seed, sharpness: c.sharpness });
        const draft = new TableLm({ vocab: c.vocab, order: 1, seed: c.seed + 1, like: target, sharpness: 1 });
        const prompt = c.prompt.map((t) => t % c.vocab);
        const eos = c.eos === null ? [] : [c.eos % c.vocab];
        const datastore = SuffixIndex.build(targetCorpus(target, c.vocab, c.corpusLength, c.seed));
        const result = await generate({
          draft: sourcesOf(parseStrategy(strategy)).includes('model') ? draft : null,
          datastore,
          target,
          prompt,
          strategy,
          params: GREEDY,
          maxNewTokens: c.maxNewTokens,
          seed: c.seed,
          eosTokenIds: eos,
          maxNodes: c.maxNodes ?? undefined,
        });
        const expected: number[] = [];
        const sequence = [...prompt];
        while (expected.length < c.maxNewTokens) {
          const next = argmax(target.logitsFor(sequence), 0, c.vocab);
          sequence.push(next);
          expected.push(next);
          if (eos.includes(next)) break;
        }
        expect(result.tokens).toEqual(expected);
        expect(target.calls).toBe(result.steps.length);
        for (const step of result.steps) {
          step.tree.sources.forEach((s, i) => {
            if (i > 0) expect(sourcesOf(parseStrategy(strategy))).toContain(s);
          });
        }
      }),
      { seed: 20261202, numRuns: 25 },
    );
  });

  it('table-only strategies make no draft model calls and need no draft model', async () => {
    const target = new TableLm({ vocab: 6, order: 1, seed: 3, sharpness: 3 });
    const result = await generate({
      draft: null,
      target,
      prompt: [1, 2, 3, 1, 2],
      strategy: 'dyspec:8@context',
      params: GREEDY,
      maxNewTokens: 20,
      seed: 1,
    });
    expect(result.steps.every((s) => s.draftCalls === 0)).toBe(true);
    expect(result.steps.reduce((n, s) => n + s.acceptedPath.length - 1, 0)).toBeGreaterThan(0);
  });

  it('refuses @corpus without a datastore and @model without a draft, naming the setting', async () => {
    const target = new TableLm({ vocab: 6, order: 1, seed: 3 });
    const base = { target, prompt: [1], params: GREEDY, maxNewTokens: 4, seed: 1 };
    await expect(generate({ ...base, draft: null, strategy: 'chain:2@corpus' })).rejects.toThrow(
      /drafts from a corpus datastore, and none is loaded/,
    );
    await expect(generate({ ...base, draft: null, strategy: 'chain:2@context+model' })).rejects.toThrow(
      /needs a draft model/,
    );
  });
});

const LAW_CASES = [
  { strategy: 'chain:3@context', temperature: 1 },
  { strategy: 'dyspec:8@context', temperature: 0.7 },
  { strategy: 'tree:3x2@corpus', temperature: 1 },
  { strategy: 'dyspec-cal:8@corpus', temperature: 1.3 },
  { strategy: 'sequoia:8:3@context+corpus', temperature: 1 },
  { strategy: 'dyspec:8@context+model', temperature: 1 },
  { strategy: 'dyspec-t:0.05:12@corpus+model', temperature: 0.8 },
  { strategy: 'chain:3@context+corpus+model', temperature: 1 },
];

describe('table sources, temperature > 0: one step follows the target law', () => {
  it.each(LAW_CASES)('$strategy at T = $temperature', async ({ strategy, temperature }) => {
    const vocab = 5;
    const target = new TableLm({ vocab, order: 2, seed: 31, sharpness: 2 });
    const draft = new TableLm({ vocab, order: 1, seed: 32, like: target, sharpness: 1 });
    // A context with repeats, so prompt lookup matches at several orders.
    const context = [1, 2, 3, 1, 2, 4, 1, 2, 3, 0, 1, 2];
    const corpus = SuffixIndex.build(targetCorpus(target, vocab, 400, 33));
    const params: SamplingParams = { temperature, topP: 1, topK: 0 };
    const spec = parseResolvedStrategy(strategy);
    const result = await checkStepLaw({
      target,
      draft,
      context,
      params,
      builder: builderFor(spec),
      samples: 60_000,
      seed: 7,
      makeDraft: (tree, rng) => {
        draft.reset();
        return createDraftStep({
          sources: sourcesOf(spec),
          model: draft,
          corpus,
          tree,
          sequence: context,
          params,
          vocab,
          rng,
          maxNodes: 256,
          now: () => 0,
        });
      },
    });
    expect(result.first.pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(result.joint.pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(result.meanEmitted).toBeGreaterThan(1.05); // table drafts do get accepted
  });
});
