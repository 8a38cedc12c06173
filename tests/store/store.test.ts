import { afterEach, describe, expect, it } from 'vitest';
import { runMetrics } from '../../src/store/derive';
import { currentBaselineKey } from '../../src/store/run-slice';
import { DEFAULT_SETTINGS } from '../../src/store/settings';
import { createAppStore, type AppStore } from '../../src/store/store';
import { bindUrlHash, type HashHost } from '../../src/store/url-sync';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { VocabularyMismatchError } from '../../src/runtime/errors';
import { fakeDeps, type FakeDepsOptions } from '../worker/fake-pair';

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

function makeStore(options: FakeDepsOptions = {}): AppStore {
  client = createInProcessClient(fakeDeps(options));
  const store = createAppStore({
    client,
    baseUrl: 'http://localhost/sub/',
    now: () => new Date('2026-01-02T03:04:05Z'),
  });
  store.getState().setSetting('prompt', 'the cat sat');
  store.getState().setSetting('maxNewTokens', 20);
  store.getState().setSetting('strategy', 'dyspec:6');
  return store;
}

describe('settings slice', () => {
  it('applies valid values and refuses invalid ones without changing anything', () => {
    const store = makeStore();
    expect(store.getState().setSetting('temperature', 0.5)).toBeNull();
    expect(store.getState().settings.temperature).toBe(0.5);
    const before = store.getState().settings;
    expect(store.getState().setSetting('topP', 1.5)).toMatch(/top-p must be between 0 and 1/);
    expect(store.getState().setSetting('strategy', 'tree:0x2')).toMatch(/strategy "tree:0x2"/);
    expect(store.getState().settings).toBe(before);
  });

  it('applies a hash with notices, and resets', () => {
    const store = makeStore();
    store.getState().applyHash('#strategy=chain%3A3&temperature=nope');
    expect(store.getState().settings.strategy).toBe('chain:3');
    expect(store.getState().settings.temperature).toBe(DEFAULT_SETTINGS.temperature);
    expect(store.getState().hashNotices).toHaveLength(1);
    store.getState().dismissHashNotices();
    expect(store.getState().hashNotices).toEqual([]);
    store.getState().resetSettings();
    expect(store.getState().settings).toEqual(DEFAULT_SETTINGS);
  });

  it('mirrors settings in the URL hash both ways', () => {
    const store = makeStore();
    const listeners: (() => void)[] = [];
    const host: HashHost = {
      location: { hash: '#strategy=chain%3A5&seed=9' },
      history: { replaceState: (_d, _u, url) => (host.location.hash = url ?? '') },
      addEventListener: (_t, l) => listeners.push(l),
      removeEventListener: () => listeners.splice(0),
    };
    const stop = bindUrlHash(store, host);
    expect(store.getState().settings.strategy).toBe('chain:5');
    expect(store.getState().settings.seed).toBe(9);
    store.getState().setSetting('temperature', 0.25);
    expect(host.location.hash).toContain('temperature=0.25');
    expect(host.location.hash).toContain('strategy=chain%3A5');
    host.location.hash = '#strategy=ar';
    listeners.forEach((l) => l());
    expect(store.getState().settings.strategy).toBe('ar');
    expect(store.getState().settings.temperature).toBe(DEFAULT_SETTINGS.temperature);
    stop();
    expect(listeners).toHaveLength(0);
  });
});

describe('models and run slices', () => {
  it('runs: loads the pair, streams steps, ends done with output and metrics', async () => {
    const store = makeStore();
    const seen: number[] = [];
    store.subscribe((s) => seen.push(s.run?.steps.length ?? 0));
    await store.getState().startRun();
    const s = store.getState();
    expect(s.modelStatus).toBe('ready');
    expect(s.files.length).toBeGreaterThan(0);
    expect(s.runStatus).toBe('done');
    expect(s.run?.steps.length).toBeGreaterThan(0);
    expect(s.run?.tokens).toEqual(s.run?.steps.flatMap((x) => x.emitted));
    expect(s.run?.text.length).toBe(s.run?.tokens.length);
    expect(Math.max(...seen)).toBe(s.run?.steps.length);
    expect(new Set(seen).size).toBeGreaterThan(2); // steps arrived one by one
    const m = runMetrics(s.run!);
    expect(m.verify_steps).toBe(s.run!.steps.length);
  });

  it('records an autoregressive baseline for the same settings', async () => {
    const store = makeStore();
    await store.getState().measureBaseline();
    const key = currentBaselineKey(store.getState());
    expect(key).not.toBeNull();
    expect(store.getState().baselines[key!].tokens_emitted).toBe(20);
    store.getState().setSetting('seed', 2);
    expect(store.getState().baselines[currentBaselineKey(store.getState())!]).toBeUndefined();
  });

  it('steps one target call at a time in step mode, and stops', async () => {
    const store = makeStore();
    store.getState().setStepMode(true);
    const done = store.getState().startRun();
    await until(() => store.getState().runStatus === 'waiting');
    expect(store.getState().run?.steps).toHaveLength(1);
    store.getState().nextStep();
    await until(() => store.getState().runStatus === 'waiting' && store.getState().run?.steps.length === 2);
    store.getState().stopRun();
    await done;
    expect(store.getState().runStatus).toBe('stopped');
    expect(store.getState().run?.steps).toHaveLength(2);
  });

  it('leaving step mode mid-run lets the run finish without pausing', async () => {
    const store = makeStore();
    store.getState().setStepMode(true);
    const done = store.getState().startRun();
    await until(() => store.getState().runStatus === 'waiting');
    store.getState().setStepMode(false);
    await done;
    expect(store.getState().runStatus).toBe('done');
    expect(store.getState().run?.tokens).toHaveLength(20);
  });

  it('a failed load keeps the prompt and settings and shows the error', async () => {
    const store = makeStore({
      failDraft: { source: 'org/bad', error: new VocabularyMismatchError(3, 'token 3 differs') },
    });
    store.getState().setSetting('preset', 'custom');
    store.getState().setSetting('draftId', 'org/bad');
    store.getState().setSetting('targetId', 'org/good');
    const before = store.getState().settings;
    await store.getState().startRun();
    const s = store.getState();
    expect(s.runStatus).toBe('error');
    expect(s.modelStatus).toBe('error');
    expect(s.modelError).toBe('VocabularyMismatchError: token 3 differs');
    expect(s.runError).toBe(s.modelError);
    expect(s.settings).toBe(before);
  });
});

describe('traces slice', () => {
  it('exports a run and re-imports it as the same replay', async () => {
    const store = makeStore();
    await store.getState().startRun();
    const live = store.getState().run!;
    const json = store.getState().exportRunTrace();
    expect(json).not.toBeNull();
    const doc = JSON.parse(json!);
    expect(doc.schemaVersion).toBe(2);
    expect(doc.kind).toBe('run');
    expect(Object.keys(doc.tokenTexts).length).toBeGreaterThan(0);
    store.getState().setView('compare');
    expect(store.getState().importTrace(json!, 'run.json')).toBe(true);
    const replay = store.getState().run!;
    expect(replay.source).toBe('trace');
    expect(replay.tokens).toEqual(live.tokens);
    expect(replay.text).toEqual(live.text);
    expect(replay.steps).toEqual(live.steps);
    expect(store.getState().view).toBe('run');
    for (const id of replay.tokens) expect(replay.tokenTexts[id]).toBe(live.tokenTexts[id]);
  });

  it('replays a trace without token texts with the loaded tokenizer of the same target', async () => {
    const store = makeStore();
    await store.getState().startRun();
    const live = store.getState().run!;
    const doc = JSON.parse(store.getState().exportRunTrace()!);
    delete doc.tokenTexts;
    expect(store.getState().importTrace(JSON.stringify(doc))).toBe(true);
    expect(store.getState().run?.tokenTexts).toBe(store.getState().loaded?.vocab);
    doc.models.target.hash = 'other';
    expect(store.getState().importTrace(JSON.stringify(doc))).toBe(true);
    expect(store.getState().run?.tokenTexts).toEqual({});
    expect(store.getState().run?.tokens).toEqual(live.tokens);
  });

  it('refuses malformed and future-version files, naming the field and changing nothing', async () => {
    const store = makeStore();
    await store.getState().startRun();
    const good = JSON.parse(store.getState().exportRunTrace()!);
    const cases: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      [{ ...good, schemaVersion: 3 }, /schemaVersion 3/],
      [
        { ...good, steps: [{ ...good.steps[0], tree: { ...good.steps[0].tree, parents: 'x' } }] },
        /^bad\.json: steps\[0\]\.tree\.parents/,
      ],
      [{ ...good, tokenTexts: { '1': 5 } }, /^bad\.json: tokenTexts\.1: expected string/],
      [{ ...good, tokenTexts: { one: 'a' } }, /^bad\.json: tokenTexts\.one: keys must be token ids/],
      [{ ...good, tokenTexts: [] }, /^bad\.json: tokenTexts: expected an object/],
      [{ ...good, output: { ...good.output, tokenIds: [1, 2] } }, /output\.tokenIds/],
    ];
    for (const [doc, pattern] of cases) {
      const before = store.getState();
      const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
      expect(store.getState().importTrace(text, 'bad.json')).toBe(false);
      const after = store.getState();
      expect(after.importError).toMatch(pattern);
      for (const key of ['run', 'comparison', 'settings', 'runStatus', 'view', 'selectedStep'] as const) {
        expect(after[key]).toBe(before[key]);
      }
    }
  });

  it('compares strategies, exports the comparison and replays it', async () => {
    const store = makeStore();
    const strategies = ['ar', 'chain:3', 'tree:2x2', 'sequoia:6', 'dyspec:6'];
    store.getState().setSetting('compare', strategies.join(','));
    store.getState().setSetting('compareRepeats', 2);
    await store.getState().startCompare();
    const c = store.getState().comparison!;
    expect(store.getState().compareStatus).toBe('done');
    // Two repeats of the one prompt, each running every strategy once, the order rotated by one per unit.
    expect(c.runs.map((r) => r.strategy)).toEqual([...strategies, ...strategies.slice(1), strategies[0]]);
    expect(c.runs.map((r) => r.position?.repeat)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(c.warmup.length).toBeGreaterThanOrEqual(2);
    expect(c.bench?.rows.map((r) => r.strategy)).toEqual(strategies);
    expect(c.bench?.rows.every((r) => r.runs === 2)).toBe(true);
    const json = store.getState().exportComparisonTrace()!;
    expect(JSON.parse(json).kind).toBe('comparison');
    store.getState().showComparisonRun(4);
    expect(store.getState().run?.strategy).toBe('dyspec:6');
    expect(store.getState().importTrace(json, 'cmp.json')).toBe(true);
    expect(store.getState().comparison?.source).toBe('trace');
    expect(store.getState().comparison?.runs.map((r) => r.tokens)).toEqual(c.runs.map((r) => r.tokens));
    // The file's token texts (core's optional `tokenTexts`) label every replayed token.
    for (const r of store.getState().comparison!.runs) {
      expect(r.tokenTexts).not.toBe(store.getState().loaded?.vocab);
      for (const id of r.tokens) expect(r.tokenTexts[id]).toBe(c.runs[0].tokenTexts[id]);
    }
  });

  it('runs every strategy on every prompt of the comparison', async () => {
    const store = makeStore();
    store.getState().setSetting('compare', 'ar,dyspec:6');
    store.getState().setSetting('comparePrompts', 'the cat\n\n  a dog  \n');
    store.getState().setSetting('compareRepeats', 1);
    await store.getState().startCompare();
    const c = store.getState().comparison!;
    expect(c.prompts).toEqual(['the cat', 'a dog']);
    expect(c.runs.map((r) => `${r.strategy}|${r.promptText}`)).toEqual([
      'ar|the cat',
      'dyspec:6|the cat',
      'dyspec:6|a dog', // the order rotates per prompt
      'ar|a dog',
    ]);
    expect(c.runs[1].tokens).toEqual(c.runs[0].tokens);
    const doc = JSON.parse(store.getState().exportComparisonTrace()!);
    expect(doc.title).toBe('ar, dyspec:6 on 2 prompts');
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}
