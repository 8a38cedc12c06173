import { afterEach, describe, expect, it } from 'vitest';
import { encodeDatastore } from '../../src/core/ngram/datastore-file';
import type { StepRecord } from '../../src/core/step';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { EngineError, type GenerateRequest } from '../../src/worker/protocol';
import { fakeDeps, fakeTokenizer } from './fake-pair';

const LOAD = { draft: 'd', target: 't', backend: 'wasm' as const, baseUrl: 'http://localhost/' };
const CORPUS = 'the cat sat on the mat. the dog sat on the log. the cat ate the rat.';
const RUN: GenerateRequest = {
  prompt: 'the cat',
  chat: false,
  strategy: 'chain:4@corpus',
  temperature: 0,
  topP: 1,
  topK: 0,
  seed: 3,
  maxNewTokens: 16,
  stepMode: false,
};

let client: EngineClient | null = null;
afterEach(() => {
  client?.dispose();
  client = null;
});

async function run(c: EngineClient, req: GenerateRequest): Promise<{ tokens: number[]; steps: StepRecord[] }> {
  const steps: StepRecord[] = [];
  const result = await c.generate(req, { onStep: (s) => steps.push(s) }).done;
  return { tokens: result.tokens, steps };
}

const sourcesOfRun = (steps: StepRecord[]) => new Set(steps.flatMap((s) => s.tree.sources));

describe('corpus datastores over the engine protocol', () => {
  it('reports no datastore for a target that ships none, and refuses @corpus runs naming the setting', async () => {
    client = createInProcessClient(fakeDeps());
    const loaded = await client.load(LOAD).done;
    expect(loaded.datastore).toBeNull();
    expect(loaded.datastoreError).toBeNull();
    const err = (await client.generate(RUN).done.catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err.setting).toBe('datastore');
    const cmp = (await client
      .compare({ ...RUN, prompts: ['the cat'], strategies: ['ar', 'chain:2@corpus'] })
      .done.catch((e: unknown) => e)) as EngineError;
    expect(cmp.setting).toBe('datastore');
    expect(cmp.message).toMatch(/chain:2@corpus/);
  });

  it('loads the datastore the target ships, with index progress, and runs @corpus on it', async () => {
    client = createInProcessClient(fakeDeps({ datastore: CORPUS }));
    const fractions: number[] = [];
    const loaded = await client.load(LOAD, undefined, (stage, f) => fractions.push(stage === 'index' ? f : -1)).done;
    expect(loaded.datastore).toMatchObject({ label: 't/datastore.bin', tokens: CORPUS.length });
    expect(loaded.datastore!.memoryBytes).toBe(CORPUS.length * 8);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    const { tokens, steps } = await run(client, RUN);
    expect(sourcesOfRun(steps)).toEqual(new Set([null, 'corpus']));
    const ar = await run(client, { ...RUN, strategy: 'ar' });
    expect(tokens).toEqual(ar.tokens); // greedy: lossless whatever drafts
  });

  it('a broken shipped datastore does not fail the load: it is reported, and there is no datastore', async () => {
    client = createInProcessClient(fakeDeps({ datastore: new Error('bad magic') }));
    const loaded = await client.load(LOAD).done;
    expect(loaded.datastore).toBeNull();
    expect(loaded.datastoreError).toBe('bad magic');
  });

  it('builds one from text with progress, replacing the one held, and keeps it for the same pair', async () => {
    client = createInProcessClient(fakeDeps({ datastore: 'zzzz zzzz' }));
    await client.load(LOAD).done;
    const stages: string[] = [];
    const built = await client.buildDatastore(CORPUS, 'pasted text', (stage) => stages.push(stage)).done;
    expect(built).toMatchObject({ label: 'pasted text', tokens: CORPUS.length });
    expect(built.buildMs).toBeGreaterThanOrEqual(0);
    expect(stages).toContain('tokenize');
    expect(stages.at(-1)).toBe('index');
    expect((await client.load(LOAD).done).datastore).toEqual(built); // the same pair: the built one stays
    const { steps } = await run(client, RUN);
    // Drafts follow the corpus: "the cat" continues as in the pasted text, so some corpus draft is accepted.
    const accepted = steps.flatMap((s) => s.acceptedPath.slice(1).map((n) => s.tree.sources[n]));
    expect(accepted).toContain('corpus');
  });

  it('reads a datastore file sent as bytes, and refuses a malformed one keeping the previous datastore', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const file = encodeDatastore(fakeTokenizer().encode(CORPUS));
    expect((await client.buildDatastore(file, 'corpus.bin').done).tokens).toBe(CORPUS.length);
    const broken = file.slice(0, 14);
    const err = (await client.buildDatastore(broken, 'broken.bin').done.catch((e: unknown) => e)) as EngineError;
    expect(err.name).toBe('DatastoreFormatError');
    expect((await client.load(LOAD).done).datastore?.label).toBe('corpus.bin');
  });

  it('needs a loaded pair to build, and drops the datastore when another pair loads', async () => {
    client = createInProcessClient(fakeDeps());
    const early = (await client.buildDatastore(CORPUS, 'x').done.catch((e: unknown) => e)) as Error;
    expect(early.message).toMatch(/no models are loaded/);
    await client.load(LOAD).done;
    await client.buildDatastore(CORPUS, 'x').done;
    const other = await client.load({ ...LOAD, target: 't2' }).done;
    expect(other.datastore).toBeNull();
  });

  it('refuses to build while a run uses the models', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const parked = client.generate({ ...RUN, strategy: 'chain:2@context', stepMode: true }, {});
    await new Promise((r) => setTimeout(r, 30));
    const err = (await client.buildDatastore(CORPUS, 'x').done.catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/a run is in progress/);
    parked.stop();
    await parked.done;
  });
});
