import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/core/generate';
import { computeMetrics } from '../../src/core/metrics';
import {
  parseTrace,
  runTokenIds,
  serializeTrace,
  tokenTextsOf,
  TraceParseError,
  withTokenTexts,
  type ComparisonTrace,
  type RunTrace,
} from '../../src/core/trace';
import { TableLm } from '../helpers/table-lm';

const VOCAB = 24;
const target = new TableLm({ vocab: VOCAB, order: 2, seed: 3 });
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 4, sharpness: 0.5, like: target });

async function recordRun(strategy: string, seed: number): Promise<RunTrace> {
  let clock = 0;
  const params = { temperature: 0.8, topP: 1, topK: 0 };
  const result = await generate({
    draft,
    target,
    prompt: [5, 6, 7],
    strategy,
    params,
    maxNewTokens: 12,
    seed,
    now: () => (clock += 0.25),
  });
  return {
    schemaVersion: 2,
    kind: 'run',
    createdAt: '2025-01-02T03:04:05.000Z',
    label: strategy,
    models: {
      draft: strategy === 'ar' ? null : { id: 'table-draft', hash: 'd4' },
      target: { id: 'table', hash: 't3' },
    },
    settings: { strategy, ...params, seed, maxNewTokens: 12, backend: 'node' },
    prompt: { text: 'five six seven', tokenIds: [5, 6, 7] },
    steps: result.steps,
    output: { tokenIds: result.tokens, text: result.tokens.join(' ') },
    metrics: computeMetrics(result.steps),
  };
}

let run: RunTrace;
let ar: RunTrace;
beforeAll(async () => {
  run = await recordRun('dyspec:6', 11);
  ar = await recordRun('ar', 11);
});

/** Parses a modified copy of the run and returns the error message. */
function errorOf(mutate: (doc: RunTrace) => void, base: () => unknown = () => run): string {
  const doc = structuredClone(base()) as RunTrace;
  mutate(doc);
  try {
    parseTrace(JSON.stringify(doc));
  } catch (error) {
    expect(error).toBeInstanceOf(TraceParseError);
    return (error as Error).message;
  }
  throw new Error('the trace parsed');
}

describe('trace round trip', () => {
  it('a recorded run serializes and parses back to the same document', () => {
    expect(run.steps.length).toBeGreaterThan(1);
    expect(run.steps[0].tree.tokens.length).toBe(7);
    const text = serializeTrace(run);
    expect(parseTrace(text)).toEqual(run);
    expect(parseTrace(JSON.parse(text))).toEqual(run);
    expect(parseTrace(parseTrace(text))).toEqual(run);
  });

  it('a comparison of several runs round-trips too', () => {
    const comparison: ComparisonTrace = {
      schemaVersion: 2,
      kind: 'comparison',
      createdAt: '2025-01-02T03:04:05.000Z',
      title: 'dyspec vs ar',
      runs: [run, ar],
    };
    expect(parseTrace(serializeTrace(comparison))).toEqual(comparison);
  });
});

/** A made-up decoding of every token id. */
const textOf = (id: number): string => (id % 5 === 0 ? `<b>${id}</b>` : ` w${id}`);

describe('token texts', () => {
  it('are optional: a trace without them parses and serializes without the field', () => {
    expect('tokenTexts' in run).toBe(false);
    const parsed = parseTrace(serializeTrace(run));
    expect('tokenTexts' in parsed).toBe(false);
    expect(JSON.parse(serializeTrace(run))).not.toHaveProperty('tokenTexts');
    expect(tokenTextsOf(parsed)).toEqual({});
  });

  it('round-trip in a run document', () => {
    const withTexts = withTokenTexts(run, textOf);
    const ids = runTokenIds(run);
    expect(
      Object.keys(withTexts.tokenTexts!)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...ids].sort((a, b) => a - b));
    for (const id of ids) expect(withTexts.tokenTexts![String(id)]).toBe(textOf(id));
    const text = serializeTrace(withTexts);
    expect(JSON.parse(text).tokenTexts).toEqual(withTexts.tokenTexts);
    const back = parseTrace(text);
    expect(back).toEqual(withTexts);
    expect(parseTrace(serializeTrace(back, 2))).toEqual(withTexts);
    const byId = tokenTextsOf(back);
    for (const id of ids) expect(byId[id]).toBe(textOf(id));
    // The texts are data: markup-looking text survives unchanged.
    expect(Object.values(byId)).toContain('<b>5</b>');
  });

  it('round-trip in a comparison, with one map for all runs', () => {
    const comparison: ComparisonTrace = { schemaVersion: 2, kind: 'comparison', createdAt: 'now', runs: [run, ar] };
    const withTexts = withTokenTexts(comparison, textOf);
    expect(withTexts.runs.every((r) => r.tokenTexts === undefined)).toBe(true);
    const all = new Set([...runTokenIds(run), ...runTokenIds(ar)]);
    expect(Object.keys(withTexts.tokenTexts!)).toHaveLength(all.size);
    expect(parseTrace(serializeTrace(withTexts))).toEqual(withTexts);
    // Runs inside a comparison are complete run documents and may carry their own; the document's own win.
    const mixed = { ...comparison, runs: [withTokenTexts(run, () => 'run'), ar], tokenTexts: { '5': 'top' } };
    const merged = tokenTextsOf(parseTrace(serializeTrace(mixed)));
    expect(merged[5]).toBe('top');
    const other = [...runTokenIds(run)].find((id) => id !== 5)!;
    expect(merged[other]).toBe('run');
  });

  it('keeps only the texts that are known, and leaves the field out when none are', () => {
    const some = withTokenTexts(run, (id) => (id === run.prompt.tokenIds[0] ? 'five' : undefined));
    expect(some.tokenTexts).toEqual({ [String(run.prompt.tokenIds[0])]: 'five' });
    const none = withTokenTexts(some, () => undefined);
    expect('tokenTexts' in none).toBe(false);
    expect(none).toEqual(run);
  });

  it('malformed token texts are refused, naming the field', () => {
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = { '1': 5 }))).toBe(
      'tokenTexts.1: expected string, received number',
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = { '3': 'ok', cat: 'x' }))).toBe(
      'tokenTexts.cat: keys must be token ids (whole numbers without leading zeros)',
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = { '-1': 'x' }))).toMatch(
      /^tokenTexts\.-1: keys/,
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = { '07': 'x' }))).toMatch(
      /^tokenTexts\.07: keys/,
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = ['a', 'b']))).toBe(
      'tokenTexts: expected an object of token id -> text, received an array',
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = null))).toBe(
      'tokenTexts: expected an object of token id -> text, received null',
    );
    expect(errorOf((d) => ((d as { tokenTexts: unknown }).tokenTexts = 'the cat'))).toBe(
      'tokenTexts: expected an object of token id -> text, received string',
    );
    const comparison = { schemaVersion: 2, kind: 'comparison', createdAt: 'now', runs: [run, ar] };
    expect(() => parseTrace({ ...comparison, tokenTexts: { '2': true } })).toThrow(
      'tokenTexts.2: expected string, received boolean',
    );
    expect(() => parseTrace({ ...comparison, runs: [run, { ...ar, tokenTexts: { x: 'y' } }] })).toThrow(
      /^runs\[1\]\.tokenTexts\.x: keys must be token ids/,
    );
    try {
      parseTrace({ ...run, tokenTexts: { '1': 5 } });
      throw new Error('parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(TraceParseError);
      expect((error as TraceParseError).path).toBe('tokenTexts.1');
    }
  });
});

describe('trace errors name the field at fault', () => {
  it('rejects what is not a trace document', () => {
    expect(() => parseTrace('{oops')).toThrow(/^not JSON: /);
    expect(() => parseTrace('[1, 2]')).toThrow('a trace is a JSON object, got an array');
    expect(() => parseTrace(null)).toThrow('a trace is a JSON object, got null');
    expect(() => parseTrace({ kind: 'run' })).toThrow('schemaVersion: missing: this is not a trace document');
  });

  it('names an unsupported schema version', () => {
    expect(errorOf((d) => ((d as { schemaVersion: number }).schemaVersion = 3))).toBe(
      'unsupported trace schemaVersion 3 (this build reads 1 and 2)',
    );
    expect(errorOf((d) => ((d as { schemaVersion: unknown }).schemaVersion = '1'))).toBe(
      'unsupported trace schemaVersion "1" (this build reads 1 and 2)',
    );
  });

  it('reads a version 1 document: every draft node was drawn by the model', async () => {
    const doc = JSON.parse(JSON.stringify(await recordRun('dyspec:4', 3))) as Record<string, unknown>;
    const v1 = {
      ...doc,
      schemaVersion: 1,
      steps: (doc.steps as { tree: Record<string, unknown> }[]).map((step) => {
        const { sources: _dropped, ...tree } = step.tree;
        return { ...step, tree };
      }),
    };
    const read = parseTrace(v1);
    expect(read.schemaVersion).toBe(2);
    if (read.kind !== 'run') throw new Error('expected a run');
    expect(read.steps.length).toBeGreaterThan(0);
    for (const step of read.steps) {
      expect(step.tree.sources).toEqual(step.tree.tokens.map((_, i) => (i === 0 ? null : 'model')));
    }
    // A comparison of version 1 runs is upgraded run by run.
    const comparison = parseTrace({ schemaVersion: 1, kind: 'comparison', createdAt: 'now', runs: [v1, v1] });
    expect(comparison.kind === 'comparison' && comparison.runs.every((r) => r.schemaVersion === 2)).toBe(true);
  });

  it('checks that the root has no source and every draft node has one', async () => {
    const run = await recordRun('chain:3', 2);
    const step = run.steps.find((s) => s.tree.tokens.length > 1)!;
    step.tree.sources[1] = null;
    expect(() => parseTrace(run)).toThrow(/tree\.sources\[1\]: a draft node needs its source/);
  });

  it('names type errors by path', () => {
    expect(errorOf((d) => ((d.steps[1].tree.parents as unknown[])[2] = 'x'))).toBe(
      'steps[1].tree.parents[2]: expected number, received string',
    );
    expect(errorOf((d) => delete (d.settings as Partial<RunTrace['settings']>).backend)).toBe(
      'settings.backend: expected string, received undefined',
    );
    expect(errorOf((d) => ((d.steps[0].decisions as string[])[1] = 'maybe'))).toMatch(
      /^steps\[0\]\.decisions\[1\]: expected one of "accepted"\|"rejected"\|"unvisited"/,
    );
    expect(errorOf((d) => (d.steps[0].tree.draftProbs[1] = 1.5))).toMatch(/^steps\[0\]\.tree\.draftProbs\[1\]: /);
    expect(errorOf((d) => ((d as { kind: string }).kind = 'movie'))).toMatch(/^kind: /);
    expect(errorOf((d) => ((d.metrics as { draft_n: unknown }).draft_n = -1))).toMatch(/^metrics\.draft_n: /);
    expect(
      errorOf((d) => {
        (d.prompt.tokenIds as unknown[])[0] = 'a';
        (d.output as { text: unknown }).text = 3;
      }),
    ).toBe('prompt.tokenIds[0]: expected number, received string (and 1 more problem)');
  });

  it('checks per-node arrays have one entry per node', () => {
    expect(errorOf((d) => d.steps[2].tree.estimates.pop())).toBe(
      'steps[2].tree.estimates: has 6 entries, expected 7 (one per node)',
    );
    expect(errorOf((d) => d.steps[0].decisions.push('unvisited'))).toBe(
      'steps[0].decisions: has 8 entries, expected 7 (one per node)',
    );
  });

  it('checks parents come before children and siblings are in sampling order', () => {
    expect(errorOf((d) => (d.steps[0].tree.parents[2] = 5))).toBe(
      'steps[0].tree.parents[2]: parent 5 must be an earlier node (0..1)',
    );
    expect(errorOf((d) => (d.steps[0].tree.parents[0] = 0))).toBe(
      "steps[0].tree.parents[0]: the root's parent must be -1, got 0",
    );
    expect(errorOf((d) => (d.steps[0].tree.ranks[1] = 3))).toBe(
      'steps[0].tree.ranks[1]: expected 0 (siblings are stored in sampling order), got 3',
    );
  });

  it('checks the accepted path is a path of the tree and agrees with the decisions and emitted tokens', () => {
    const s = run.steps.findIndex((st) => st.tree.parents.some((p) => p > 0));
    const deep = run.steps[s].tree.parents.findIndex((p) => p > 0); // a node that is not a child of the root
    expect(errorOf((d) => (d.steps[s].acceptedPath = [0, deep]))).toBe(
      `steps[${s}].acceptedPath[1]: node ${deep} is not a child of node 0`,
    );
    expect(errorOf((d) => (d.steps[s].acceptedPath = [1]))).toBe(
      `steps[${s}].acceptedPath[0]: the accepted path starts at the root (0), got 1`,
    );
    const off = run.steps[0].decisions.findIndex((x) => x !== 'accepted');
    expect(errorOf((d) => (d.steps[0].decisions[off] = 'accepted'))).toBe(
      `steps[0].decisions[${off}]: 'accepted' but node ${off} is not on the accepted path`,
    );
    expect(errorOf((d) => (d.steps[0].emitted[0] = (d.steps[0].emitted[0] + 1) % VOCAB))).toMatch(
      /^steps\[0\]\.emitted\[0\]: expected token \d+ \(accepted path then bonus\), got \d+$/,
    );
    expect(errorOf((d) => d.steps[0].emitted.push(1, 2, 3, 4, 5, 6, 7, 8))).toMatch(
      /^steps\[0\]\.emitted: has \d+ tokens/,
    );
  });

  it('checks the output, the step order and the metrics against the steps', () => {
    expect(errorOf((d) => (d.output.tokenIds[3] = (d.output.tokenIds[3] + 1) % VOCAB))).toBe(
      `output.tokenIds[3]: does not match the tokens the steps emitted (${run.output.tokenIds.length} tokens)`,
    );
    expect(errorOf((d) => d.output.tokenIds.push(1))).toMatch(/^output\.tokenIds: does not match/);
    expect(errorOf((d) => (d.steps[1].index = 5))).toBe(
      'steps[1].index: expected 1 (steps are stored in order), got 5',
    );
    expect(errorOf((d) => (d.metrics.verify_steps += 1))).toMatch(
      /^metrics\.verify_steps: \d+, but the trace has \d+ steps$/,
    );
    expect(errorOf((d) => (d.metrics.draft_n += 1))).toMatch(/^metrics\.draft_n: /);
    expect(errorOf((d) => (d.metrics.draft_n_accepted += 1))).toMatch(/^metrics\.draft_n_accepted: /);
  });

  it('prefixes paths inside a comparison and refuses to serialize a bad trace', () => {
    const comparison = (): ComparisonTrace => ({
      schemaVersion: 2,
      kind: 'comparison',
      createdAt: 'now',
      runs: [run, ar],
    });
    const bad = structuredClone(comparison());
    bad.runs[1].steps[0].tree.parents[0] = 3;
    expect(() => parseTrace(bad)).toThrow("runs[1].steps[0].tree.parents[0]: the root's parent must be -1, got 3");
    const typed = structuredClone(comparison()) as unknown as { runs: { models: unknown }[] };
    typed.runs[0].models = 'none';
    expect(() => parseTrace(typed)).toThrow('runs[0].models: expected object, received string');
    try {
      serializeTrace(bad);
      throw new Error('serialized');
    } catch (error) {
      expect(error).toBeInstanceOf(TraceParseError);
      expect((error as TraceParseError).path).toBe('runs[1].steps[0].tree.parents[0]');
    }
  });
});
