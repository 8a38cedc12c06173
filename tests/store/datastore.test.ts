import { afterEach, describe, expect, it } from 'vitest';
import { encodeDatastore } from '../../src/core/ngram/datastore-file';
import { fileInput, formatSize, isDatastoreFile, looksLikeText, pastedInput } from '../../src/store/datastore-input';
import { datastoreBlocker, needsCorpus, type DatastoreStatus } from '../../src/store/datastore-slice';
import { createAppStore, type AppStore } from '../../src/store/store';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps, fakeTokenizer, type FakeDepsOptions } from '../worker/fake-pair';

const CORPUS = 'the cat sat on the mat. the dog sat on the log. the cat ate the rat.';
const bytes = (text: string) => new TextEncoder().encode(text);
const file = (name: string, content: Uint8Array) => ({
  name,
  arrayBuffer: async () => content.slice().buffer as ArrayBuffer,
});

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

function makeStore(options: FakeDepsOptions = {}): AppStore {
  client = createInProcessClient(fakeDeps(options));
  const store = createAppStore({ client, baseUrl: 'http://localhost/sub/' });
  store.getState().setSetting('prompt', 'the cat');
  store.getState().setSetting('maxNewTokens', 16);
  store.getState().setSetting('chat', false);
  store.getState().setSetting('strategy', 'chain:4@corpus');
  return store;
}

describe('datastore input', () => {
  it('refuses empty text and labels pasted text by size', () => {
    expect(pastedInput('  \n\t')).toMatchObject({ ok: false, error: expect.stringMatching(/text is empty/) });
    expect(pastedInput('héllo')).toEqual({ ok: true, content: 'héllo', label: 'pasted text (6 B)' });
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(3 * 1024 ** 2)).toBe('3.0 MB');
  });

  it('takes text files and datastore files, and refuses binary or empty ones naming the file', () => {
    const text = fileInput('notes.txt', bytes('some words\nand more\n'));
    expect(text).toEqual({ ok: true, content: bytes('some words\nand more\n'), label: 'notes.txt (20 B)' });
    const store = encodeDatastore([1, 2, 3]);
    expect(isDatastoreFile(store)).toBe(true);
    expect(fileInput('ds.bin', store)).toMatchObject({ ok: true, content: store });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe]);
    expect(looksLikeText(png)).toBe(false);
    expect(fileInput('photo.png', png)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^photo\.png is neither a text file \(UTF-8\) nor a datastore file/),
    });
    expect(fileInput('blank.txt', bytes(' \n '))).toMatchObject({ ok: false, error: /blank\.txt is empty/ });
    // A multi-byte character cut by the sniffed window is still text.
    const long = bytes(`${'a'.repeat(64 * 1024 - 1)}é tail`);
    expect(looksLikeText(long)).toBe(true);
  });
});

describe('datastore blocker', () => {
  const none: DatastoreStatus = { kind: 'none' };
  const loaded = {} as never;
  const d = { label: 'x', tokens: 3, buildMs: 1, memoryBytes: 24 };
  it('blocks @corpus strategies only when the models are loaded without a datastore, or while one is built', () => {
    expect(needsCorpus('chain:4@context+corpus')).toBe(true);
    expect(needsCorpus('chain:4')).toBe(false);
    expect(needsCorpus('nonsense@')).toBe(false);
    expect(datastoreBlocker(['chain:4'], { loaded, datastore: null, datastoreStatus: none })).toBeNull();
    expect(datastoreBlocker(['chain:4@corpus'], { loaded: null, datastore: null, datastoreStatus: none })).toBeNull();
    expect(datastoreBlocker(['ar', 'chain:4@corpus'], { loaded, datastore: null, datastoreStatus: none })).toMatch(
      /^chain:4@corpus drafts from a corpus datastore, and there is none/,
    );
    expect(datastoreBlocker(['chain:4@corpus'], { loaded, datastore: d, datastoreStatus: none })).toBeNull();
    const building: DatastoreStatus = { kind: 'building', label: 'x', stage: 'index', fraction: 0.5 };
    expect(datastoreBlocker(['chain:4@corpus'], { loaded, datastore: d, datastoreStatus: building })).toMatch(
      /being built/,
    );
  });
});

describe('datastore slice', () => {
  it('builds from pasted text (loading the models first), with progress, then runs @corpus', async () => {
    const store = makeStore();
    const seen = new Set<string>();
    store.subscribe((s) => {
      if (s.datastoreStatus.kind === 'building') seen.add(s.datastoreStatus.stage);
    });
    expect(await store.getState().buildDatastore(CORPUS)).toBe(true);
    const s = store.getState();
    expect(s.modelStatus).toBe('ready');
    expect(s.datastore).toMatchObject({ label: 'pasted text (68 B)', tokens: CORPUS.length });
    expect(s.datastoreStatus).toEqual({ kind: 'ready', datastore: s.datastore });
    expect([...seen]).toEqual(expect.arrayContaining(['models', 'tokenize', 'index']));
    await store.getState().startRun();
    expect(store.getState().runStatus).toBe('done');
    const sources = store.getState().run!.steps.flatMap((st) => st.tree.sources);
    expect(sources).toContain('corpus');
    expect(JSON.parse(store.getState().exportRunTrace()!).steps[0].tree.sources).toContain('corpus');
  });

  it('bad input shows an error and loses nothing: prompt, settings, the finished run and the datastore stay', async () => {
    const store = makeStore({ datastore: CORPUS });
    await store.getState().loadModels();
    expect(store.getState().datastore?.label).toBe('./models/specdec-target/datastore.bin');
    await store.getState().startRun();
    const before = store.getState();
    expect(before.runStatus).toBe('done');
    expect(await store.getState().buildDatastore('   ')).toBe(false);
    expect(store.getState().datastoreStatus).toEqual({ kind: 'error', message: expect.stringMatching(/empty/) });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    expect(await store.getState().buildDatastore(file('photo.png', png))).toBe(false);
    expect(store.getState().datastoreStatus).toMatchObject({ kind: 'error', message: /photo\.png is neither/ });
    const broken = encodeDatastore(fakeTokenizer().encode(CORPUS)).slice(0, 14);
    expect(await store.getState().buildDatastore(file('broken.bin', broken))).toBe(false);
    expect(store.getState().datastoreStatus).toMatchObject({ kind: 'error', message: /DatastoreFormatError/ });
    const after = store.getState();
    expect(after.settings).toBe(before.settings);
    expect(after.run).toBe(before.run);
    expect(after.datastore).toBe(before.datastore);
    after.dismissDatastoreError();
    expect(store.getState().datastoreStatus).toEqual({ kind: 'ready', datastore: before.datastore });
    // The datastore in use still serves @corpus runs.
    await store.getState().startRun();
    expect(store.getState().runStatus).toBe('done');
  });

  it('builds from a text file and from a datastore file', async () => {
    const store = makeStore();
    expect(await store.getState().buildDatastore(file('corpus.txt', bytes(CORPUS)))).toBe(true);
    expect(store.getState().datastore).toMatchObject({ label: 'corpus.txt (68 B)', tokens: CORPUS.length });
    const ds = encodeDatastore(fakeTokenizer().encode('the cat sat'));
    expect(await store.getState().buildDatastore(file('small.bin', ds))).toBe(true);
    expect(store.getState().datastore).toMatchObject({ label: `small.bin (${ds.length} B)`, tokens: 11 });
  });

  it('says why a @corpus run cannot start when the loaded target ships no datastore, without running', async () => {
    const store = makeStore();
    await store.getState().startRun();
    const s = store.getState();
    expect(s.run).toBeNull();
    expect(s.runStatus).toBe('idle');
    expect(s.runError).toMatch(/drafts from a corpus datastore, and there is none/);
    expect(datastoreBlocker([s.settings.strategy], s)).toBe(s.runError);
    store.getState().setSetting('compare', 'ar,chain:2@corpus');
    await store.getState().startCompare();
    expect(store.getState().compareError).toMatch(/chain:2@corpus drafts from a corpus datastore/);
    expect(store.getState().comparison).toBeNull();
  });

  it('reports a shipped datastore that cannot be used, and drops the datastore with a failed load', async () => {
    const store = makeStore({
      datastore: new Error('bad magic'),
      failDraft: { source: './models/nope', error: new Error('no such model') },
    });
    await store.getState().loadModels();
    expect(store.getState().datastoreStatus).toMatchObject({ kind: 'error', message: /datastore\.bin.*bad magic/ });
    await store.getState().buildDatastore(CORPUS);
    expect(store.getState().datastore).not.toBeNull();
    store.getState().setSetting('preset', 'custom');
    store.getState().setSetting('draftId', './models/nope');
    store.getState().setSetting('targetId', './models/t');
    await store.getState().loadModels();
    expect(store.getState().datastore).toBeNull();
    expect(store.getState().datastoreStatus).toEqual({ kind: 'none' });
  });
});
