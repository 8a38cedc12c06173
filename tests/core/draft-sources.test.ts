/**
 * Draft sources: the strategy grammar's `@sources`, and the per-node choice of source in a step (table answer with
 * a long enough match, else the model, whose cache gets every ancestor a table expanded).
 */
import { describe, expect, it } from 'vitest';
import { createDraftStep, TABLE_MIN_MATCH } from '../../src/core/draft-context';
import { InvalidSettingError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { GREEDY } from '../../src/core/sampling';
import {
  formatShape,
  formatStrategy,
  isAutoStrategy,
  parseStrategy,
  sourcesOf,
  withBudget,
} from '../../src/core/strategy';
import { TokenTree } from '../../src/core/tree';
import { TableLm } from '../helpers/table-lm';

describe('strategy sources', () => {
  it.each([
    ['chain:4', ['model'], 'chain:4'],
    ['chain:4@model', ['model'], 'chain:4'],
    ['chain:4@context', ['context'], 'chain:4@context'],
    ['dyspec-cal:auto@model+context', ['context', 'model'], 'dyspec-cal:auto@context+model'],
    [' Tree:2x2@Corpus+Context ', ['context', 'corpus'], 'tree:2x2@context+corpus'],
    ['sequoia:8:3@context+corpus+model', ['context', 'corpus', 'model'], 'sequoia:8:3@context+corpus+model'],
    ['dyspec-t:0.1:16@corpus', ['corpus'], 'dyspec-t:0.1:16@corpus'],
  ])('%s', (text, sources, canonical) => {
    const spec = parseStrategy(text);
    expect(sourcesOf(spec)).toEqual(sources);
    expect(formatStrategy(spec)).toBe(canonical);
    expect(parseStrategy(formatStrategy(spec))).toEqual(spec);
  });

  it.each([
    ['ar@context', /ar drafts nothing/],
    ['chain:2@web', /unknown draft source "web"/],
    ['chain:2@context+context', /named twice/],
    ['chain:2@context@model', /at most one '@'/],
    ['chain:2@', /unknown draft source ""/],
  ])('refuses %s', (text, message) => {
    expect(() => parseStrategy(text)).toThrow(InvalidSettingError);
    expect(() => parseStrategy(text)).toThrow(message);
  });

  it('keeps the sources through an auto budget and names the shape alone', () => {
    const spec = parseStrategy('dyspec-cal:auto@context+model');
    if (!isAutoStrategy(spec)) throw new Error('expected an auto strategy');
    const resolved = withBudget(spec, 5);
    expect(formatStrategy(resolved)).toBe('dyspec-cal:5@context+model');
    expect(formatShape(resolved)).toBe('dyspec-cal:5');
    expect(formatShape(spec)).toBe('dyspec-cal:auto');
    expect(sourcesOf(parseStrategy('ar'))).toEqual([]);
  });
});

describe('createDraftStep with several sources', () => {
  const vocab = 8;
  const model = new TableLm({ vocab, order: 2, seed: 5 });

  function stepOver(sequence: number[], sources: ('context' | 'model')[]) {
    model.reset();
    const tree = new TokenTree(sequence[sequence.length - 1]);
    const step = createDraftStep({
      sources,
      model,
      corpus: null,
      tree,
      sequence,
      params: GREEDY,
      vocab,
      rng: new Rng(1),
      maxNodes: 16,
      now: () => 0,
    });
    return { tree, step };
  }

  it('expands from the context where it matches and from the model elsewhere, feeding skipped ancestors', async () => {
    // "2 4 5" was followed by 6 earlier: the root (5, after 2 4) matches at order 3 >= TABLE_MIN_MATCH.
    expect(TABLE_MIN_MATCH).toBe(3);
    const { tree, step } = stepOver([2, 4, 5, 6, 1, 2, 4, 5], ['context', 'model']);
    const [atRoot] = await step.expand([0]);
    expect(atRoot[6]).toBeGreaterThan(0.5);
    expect(step.calls).toBe(0);
    const six = tree.add(0, 6, atRoot, atRoot[6], atRoot[6]);
    const seven = tree.add(0, 7, atRoot, atRoot[7], atRoot[7]);
    // After "4 5 6" the context continues with 1 (order 3 match); after "4 5 7" nothing matches: the model answers and
    // is fed the root too (its mask is checked by TableLm, which refuses a broken causal path).
    const [afterSix, afterSeven] = await step.expand([six, seven]);
    expect(afterSix[1]).toBeGreaterThan(0.5);
    expect(step.calls).toBe(1);
    expect(model.tokensFed).toBe(tree.size - 1 + 7); // the pending prefix (7 tokens), the root and node 7
    const fromModel = tree.add(seven, 3, afterSeven, afterSeven[3], 0.1);
    const fromContext = tree.add(six, 1, afterSix, afterSix[1], 0.5);
    expect([0, six, seven, fromModel, fromContext].map((n) => step.sourceOf(n))).toEqual([
      null,
      'context',
      'context',
      'model',
      'context',
    ]);
    await step.commit([0, seven]);
    expect(model.pastLength).toBe(9); // prefix, root and node 7 kept
  });

  it('without the model, a table source answers even without a match (backing off to its unigram)', async () => {
    const callsBefore = model.calls;
    const { step } = stepOver([1, 2, 3], ['context']);
    const [dist] = await step.expand([0]);
    expect(dist.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
    expect(step.sourceOf(0)).toBeNull();
    await step.commit([0]); // nothing fed: a no-op
    expect(model.calls).toBe(callsBefore);
  });
});
