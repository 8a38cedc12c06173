import { afterEach, describe, expect, it } from 'vitest';
import { FetchError, PairSideError } from '../../src/runtime/errors';
import { offersBundledPair } from '../../src/store/models-slice';
import { failedRunError } from '../../src/store/run-slice';
import { DEFAULT_SETTINGS, MAX_LINK_PROMPT_CHARS } from '../../src/store/settings';
import { createAppStore, type AppStore } from '../../src/store/store';
import { decodeSettingsHash, encodeSettingsHash } from '../../src/store/url-hash';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps, type FakeDepsOptions } from '../worker/fake-pair';

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

function makeStore(options: FakeDepsOptions = {}): AppStore {
  client = createInProcessClient(fakeDeps(options));
  const store = createAppStore({ client, baseUrl: 'http://localhost/' });
  store.getState().setSetting('prompt', 'the cat sat');
  store.getState().setSetting('maxNewTokens', 12);
  store.getState().setSetting('strategy', 'dyspec:4');
  return store;
}

describe('run actions refuse while a field they read is invalid', () => {
  it('Run, the baseline and the comparison name the field and start nothing', async () => {
    const store = makeStore();
    store.getState().setSetting('maxNewTokens', -5, '-5');
    await store.getState().startRun();
    expect(store.getState().run).toBeNull();
    expect(store.getState().modelStatus).toBe('idle'); // nothing was even loaded
    expect(store.getState().runError).toBe('invalid field: max new tokens must be between 1 and 1024, got -5');
    await store.getState().measureBaseline();
    expect(store.getState().runError).toMatch(/^autoregressive baseline: invalid field: max new tokens/);
    expect(store.getState().baselines).toEqual({});
    await store.getState().startCompare();
    expect(store.getState().comparison).toBeNull();
    expect(store.getState().compareError).toMatch(/^invalid field: max new tokens/);
  });

  it('a refused strategy stops Run but not the baseline, and a fixed field runs with the new value', async () => {
    const store = makeStore();
    store.getState().setSetting('strategy', 'tree:0x2');
    await store.getState().startRun();
    expect(store.getState().run).toBeNull();
    expect(store.getState().runError).toMatch(/^invalid field: strategy "tree:0x2"/);
    await store.getState().measureBaseline();
    expect(store.getState().runError).toBeNull();
    expect(Object.keys(store.getState().baselines)).toHaveLength(1);
    store.getState().setSetting('strategy', 'chain:2');
    store.getState().setSetting('maxNewTokens', 5);
    await store.getState().startRun();
    expect(store.getState().runStatus).toBe('done');
    expect(store.getState().run?.strategy).toBe('chain:2');
    expect(store.getState().run?.tokens).toHaveLength(5);
  });
});

describe('long and empty prompts', () => {
  it('keeps a prompt past the link limit in the settings, and leaves it out of the hash', () => {
    const store = makeStore();
    const long = 'ab '.repeat(2000);
    expect(long.length).toBeGreaterThan(MAX_LINK_PROMPT_CHARS);
    expect(store.getState().setSetting('prompt', long)).toBeNull();
    expect(store.getState().settings.prompt).toBe(long);
    const hash = encodeSettingsHash(store.getState().settings);
    expect(hash).not.toContain('prompt=');
    expect(hash.length).toBeLessThan(2000);
    // The other settings still travel.
    expect(decodeSettingsHash(hash).settings).toEqual({
      ...store.getState().settings,
      prompt: DEFAULT_SETTINGS.prompt,
    });
  });

  it('a prompt beyond the context fails with the engine message in place of the run, settings kept', async () => {
    const store = makeStore();
    const long = 'abc '.repeat(1100); // 4,400 one-character tokens: past the fake pair's 4,096 positions
    store.getState().setSetting('prompt', long);
    const before = store.getState().settings;
    await store.getState().startRun();
    const s = store.getState();
    expect(s.runStatus).toBe('error');
    expect(s.run?.steps).toEqual([]);
    expect(failedRunError(s)).toMatch(/prompt \(4400 tokens\) \+ max new tokens \(12\) = 4412 exceeds/);
    expect(s.settings).toBe(before);
  });

  it('an empty prompt on a tokenizer without BOS is refused with a clear message', async () => {
    const store = makeStore();
    store.getState().setSetting('prompt', '');
    await store.getState().startRun();
    expect(failedRunError(store.getState())).toMatch(/prompt must hold at least one token/);
  });

  it('a finished run, and a load that failed after one, are not failed runs', async () => {
    const store = makeStore({ failDraft: { source: 'org/bad', error: new Error('boom') } });
    await store.getState().startRun();
    expect(failedRunError(store.getState())).toBeNull();
    store.getState().setSetting('preset', 'custom');
    store.getState().setSetting('draftId', 'org/bad');
    store.getState().setSetting('targetId', 'org/good');
    await store.getState().startRun();
    expect(store.getState().runStatus).toBe('error');
    expect(failedRunError(store.getState())).toBeNull(); // the previous, finished run stays on screen
  });
});

describe('replay notices', () => {
  it('a live run clears the notice of a replayed run, not that of a replayed comparison', async () => {
    const store = makeStore();
    await store.getState().startRun();
    const runTrace = store.getState().exportRunTrace()!;
    store.getState().importTrace(runTrace, 'a.json');
    expect(store.getState().importNotice).toMatch(/^Replaying a\.json/);
    await store.getState().startRun();
    expect(store.getState().importNotice).toBeNull();

    store.getState().setSetting('compare', 'ar,chain:2');
    store.getState().setSetting('compareRepeats', 1);
    await store.getState().startCompare();
    store.getState().importTrace(store.getState().exportComparisonTrace()!, 'c.json');
    expect(store.getState().importNotice).toMatch(/^Replaying c\.json/);
    await store.getState().startRun();
    expect(store.getState().importNotice).toMatch(/^Replaying c\.json/);
    await store.getState().startCompare();
    expect(store.getState().importNotice).toBeNull();
  });
});

describe('a failed download', () => {
  const unreachable = new PairSideError(
    'draft',
    'org/bad',
    new FetchError('config.json', 'https://huggingface.co/org/bad/resolve/main/config.json', null, 'unreachable'),
  );

  it('keeps the last loaded pair for the header, offers the bundled pair, and loading it clears the failure', async () => {
    const store = makeStore({ failDraft: { source: 'org/bad', error: unreachable } });
    await store.getState().startRun();
    const pair = store.getState().lastPair;
    expect(pair?.draft).toBe('fake-draft');
    expect(offersBundledPair(store.getState())).toBe(false);
    store.getState().setSetting('preset', 'custom');
    store.getState().setSetting('draftId', 'org/bad');
    store.getState().setSetting('targetId', 'org/good');
    await store.getState().startRun();
    let s = store.getState();
    expect(s.modelError).toBe('PairSideError: draft model org/bad: unreachable');
    expect(s.runError).toBe(s.modelError);
    expect(s.loaded).toBeNull();
    expect(s.lastPair).toBe(pair);
    expect(offersBundledPair(s)).toBe(true);
    expect(await store.getState().loadBundledPair()).not.toBeNull();
    s = store.getState();
    expect(s.settings.preset).toBe('bundled');
    expect(s.settings.prompt).toBe('the cat sat');
    expect([s.modelStatus, s.runStatus, s.runError]).toEqual(['ready', 'idle', null]);
    expect(offersBundledPair(s)).toBe(false);
  });
});
