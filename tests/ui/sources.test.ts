/** The page's pure functions for draft sources: form state, tree and output view models, comparison grouping. */
import { describe, expect, it } from 'vitest';
import { parseStrategy } from '../../src/core/strategy';
import {
  budgetSeries,
  familyOf,
  groupBySource,
  isDefaultSources,
  sourceDash,
  sourceKey,
  strategySources,
  type ComparisonRow,
} from '../../src/ui/layout/comparison';
import { describeNode, stepTreeNodes, treeLegend, treeSources } from '../../src/ui/layout/step-tree';
import { emittedSources, legendSources, streamCounts } from '../../src/ui/layout/token-stream';
import { buildProgressText, datastoreLine, formatMiB, shortLabel } from '../../src/ui/panels/datastore-text';
import { composeStrategy, DEFAULT_DRAFT, draftFromStrategy, toggleSource } from '../../src/ui/panels/strategy-draft';
import { SOURCE_LABELS, TOKEN_LABELS } from '../../src/ui/theme';
import { mixedStep, rootOnlyStep, sampleStep, tokenText } from './layout-fixtures';

describe('strategy form: draft sources', () => {
  it('round-trips sources through the strategy text in the engine’s canonical form', () => {
    for (const text of [
      'chain:4@context',
      'tree:2x2@corpus',
      'sequoia:16:4@context+model',
      'dyspec:auto@context+corpus',
      'dyspec-cal:auto@context+corpus+model',
      'dyspec-t:0.1:32@corpus+model',
      'dyspec:16',
      'ar',
    ]) {
      expect(composeStrategy(draftFromStrategy(text))).toBe(text);
    }
    expect(draftFromStrategy('chain:4@model+context').sources).toEqual(['context', 'model']);
    expect(composeStrategy({ ...DEFAULT_DRAFT, kind: 'chain', sources: ['model'] })).toBe('chain:4'); // no @model
  });

  it('keeps the sources through ar and kind switches; ar takes none', () => {
    const d = draftFromStrategy('chain:3@context');
    const ar = draftFromStrategy('ar', d);
    expect(composeStrategy(ar)).toBe('ar');
    expect(ar.sources).toEqual(['context']);
    expect(composeStrategy({ ...ar, kind: 'dyspec' })).toBe('dyspec:16@context');
  });

  it('composes every result through formatStrategy, so it parses back to the same sources', () => {
    const d = {
      ...DEFAULT_DRAFT,
      kind: 'tree' as const,
      branching: '3x2',
      sources: toggleSource(['model'], 'corpus', true),
    };
    const text = composeStrategy(d);
    expect(text).toBe('tree:3x2@corpus+model');
    expect(parseStrategy(text)).toEqual({ kind: 'tree', branching: [3, 2], sources: ['corpus', 'model'] });
    // A bad shape keeps its sources for the store's message.
    expect(composeStrategy({ ...d, branching: '0' })).toBe('tree:0@corpus+model');
  });

  it('toggles sources in canonical order, never to none', () => {
    expect(toggleSource(['model'], 'context', true)).toEqual(['context', 'model']);
    expect(toggleSource(['context', 'model'], 'model', false)).toEqual(['context']);
    expect(toggleSource(['corpus'], 'corpus', false)).toEqual(['corpus']);
    expect(toggleSource(['model', 'context'], 'corpus', true)).toEqual(['context', 'corpus', 'model']);
  });
});

describe('tree view model: sources', () => {
  it('gives each draft node its source, none to the root and the bonus, and names it in the hover text', () => {
    const nodes = stepTreeNodes(mixedStep(), tokenText);
    expect(nodes.map((n) => n.source)).toEqual([
      null,
      'context',
      'context',
      'corpus',
      'corpus',
      'model',
      'corpus',
      null,
    ]);
    expect(describeNode(nodes[1])).toContain('drawn by the context lookup (prompt and output so far)');
    expect(describeNode(nodes[5])).toContain('drawn by the draft model');
    expect(describeNode(nodes[0]).join(' ')).not.toMatch(/drawn by the (draft|context|corpus)/);
    expect(treeSources(nodes)).toEqual(['context', 'corpus', 'model']);
    expect(treeSources(stepTreeNodes(rootOnlyStep(0, 11), tokenText))).toEqual([]);
  });

  it('builds the legend: kinds, size, then one entry per source present', () => {
    const legend = treeLegend(['context', 'model'], { ...TOKEN_LABELS }, SOURCE_LABELS);
    expect(legend.map((e) => e.type)).toEqual(['kind', 'kind', 'kind', 'kind', 'kind', 'size', 'source', 'source']);
    expect(legend.slice(-2).map((e) => e.label)).toEqual(['context lookup (ring)', 'draft model (no ring)']);
  });
});

describe('output view model: sources', () => {
  it('takes each accepted token’s source from its accepted-path node; the bonus has none', () => {
    expect(emittedSources(mixedStep())).toEqual(['context', 'corpus', null]);
    expect(emittedSources(sampleStep())).toEqual(['model', 'model', null]);
    expect(emittedSources(rootOnlyStep(0, 12))).toEqual([null]);
    // Cut at max tokens before the bonus: only accepted tokens.
    expect(emittedSources(mixedStep(0, { emitted: [11] }))).toEqual(['context']);
  });

  it('counts tokens by origin and lists the sources present (the model alone when there are none)', () => {
    const counts = streamCounts([mixedStep(0), sampleStep(1), rootOnlyStep(2, 12)]);
    expect(counts).toEqual({
      accepted: { context: 1, corpus: 1, model: 2 },
      bonus: 3,
      drafted: { context: 2, corpus: 3, model: 7 },
    });
    expect(legendSources(counts)).toEqual(['context', 'corpus', 'model']);
    expect(legendSources(streamCounts([rootOnlyStep(0, 12)]))).toEqual(['model']);
    // The model drew node 5 of the mixed step, though none of its tokens was accepted.
    expect(legendSources(streamCounts([mixedStep(0)]))).toEqual(['context', 'corpus', 'model']);
    const corpusOnly = mixedStep(0);
    corpusOnly.tree.sources = corpusOnly.tree.sources.map((s) => (s ? 'corpus' : null));
    expect(legendSources(streamCounts([{ ...corpusOnly, acceptedPath: [0], emitted: [17] }]))).toEqual(['corpus']);
  });
});

describe('comparison: sources', () => {
  const row = (strategy: string, budget: number, tau: number): ComparisonRow => ({
    strategy,
    family: familyOf(strategy),
    sources: strategySources(strategy),
    budget,
    tau,
    speedup: tau / 2,
    tokensPerSecond: tau * 10,
    acceptanceRatePerDepth: [],
  });

  it('reads sources with the engine’s parser (ar drafts from nothing), and refuses names outside the grammar', () => {
    expect(strategySources('chain:4@context+corpus')).toEqual(['context', 'corpus']);
    expect(strategySources('dyspec:8')).toEqual(['model']);
    expect(strategySources('ar')).toEqual([]);
    expect(() => strategySources('chain-4')).toThrow(/unknown strategy/);
    expect(sourceKey([])).toBe('target only');
    expect(sourceKey(['context', 'model'])).toBe('context+model');
    expect(isDefaultSources(['model'])).toBe(true);
    expect(isDefaultSources(['context', 'model'])).toBe(false);
  });

  it('dashes lines by sources: solid model, dashed context, dotted corpus, dash-dot mixes', () => {
    expect(sourceDash(['model'])).toBeNull();
    expect(sourceDash([])).toBeNull();
    expect(sourceDash(['context'])).toBe('6 3');
    expect(sourceDash(['corpus'])).toBe('2 3');
    expect(sourceDash(['context', 'model'])).toBe('8 3 2 3');
  });

  it('groups rows by sources: ar first, then groups in order of first appearance, rows in order', () => {
    const rows = [
      row('chain:4', 4, 2),
      row('chain:4@context', 4, 2.5),
      row('ar', 0, 1),
      row('dyspec:8', 8, 3),
      row('dyspec:8@context', 8, 3.5),
      row('chain:4@context+model', 4, 2.6),
    ];
    const groups = groupBySource(rows);
    expect(groups.map((g) => g.key)).toEqual(['target only', 'model', 'context', 'context+model']);
    expect(groups[1].rows.map((r) => r.strategy)).toEqual(['chain:4', 'dyspec:8']);
    expect(groups[2].rows.map((r) => r.strategy)).toEqual(['chain:4@context', 'dyspec:8@context']);
  });

  it('splits budget series by sources within a family', () => {
    const rows = [
      row('chain:2', 2, 1.5),
      row('chain:4@context', 4, 2.5),
      row('chain:4', 4, 2),
      row('chain:2@context', 2, 2),
    ];
    const series = budgetSeries(rows, 'tau');
    expect(series.map((s) => [s.family, sourceKey(s.sources)])).toEqual([
      ['chain', 'model'],
      ['chain', 'context'],
    ]);
    expect(series[1].points.map((p) => p.strategy)).toEqual(['chain:2@context', 'chain:4@context']);
  });
});

describe('datastore text', () => {
  const d = { label: 'pasted text (1.2 KB)', tokens: 300, buildMs: 12.4, memoryBytes: 3 * 2 ** 20 };
  it('words the datastore in use', () => {
    expect(datastoreLine(d)).toBe('datastore: pasted text (1.2 KB), 300 tokens, built in 12 ms, 3.0 MiB');
    expect(formatMiB(440)).toBe('< 0.1 MiB');
    expect(formatMiB(17.6 * 2 ** 20)).toBe('17.6 MiB');
    expect(shortLabel('http://127.0.0.1:5173/sub/models/specdec-target/datastore.bin')).toBe(
      'specdec-target/datastore.bin',
    );
    expect(shortLabel('notes.txt (1 KB)')).toBe('notes.txt (1 KB)');
  });

  it('words a build in progress, with a percentage for the engine’s stages', () => {
    expect(buildProgressText({ kind: 'building', label: 'notes.txt', stage: 'tokenize', fraction: 0.4 })).toBe(
      'tokenizing notes.txt: 40%',
    );
    expect(buildProgressText({ kind: 'building', label: 'notes.txt', stage: 'models', fraction: 0 })).toBe(
      'loading the models (their tokenizer) for notes.txt…',
    );
    expect(buildProgressText({ kind: 'none' })).toBeNull();
  });
});
