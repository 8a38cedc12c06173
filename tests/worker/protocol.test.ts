import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../../src/core/generate';
import type { StepRecord } from '../../src/core/step';
import { VocabularyMismatchError } from '../../src/runtime/errors';
import { createInProcessClient, EngineClient, type CompareRunEvent, type Transport } from '../../src/worker/client';
import { EngineError, toErrorInfo, type GenerateRequest } from '../../src/worker/protocol';
import { fakeDeps, fakePair, fakeTokenizer, FAKE_EOS } from './fake-pair';

const LOAD = { draft: 'd', target: 't', backend: 'wasm' as const, baseUrl: 'http://localhost/' };
const RUN: GenerateRequest = {
  prompt: 'the cat',
  chat: false,
  strategy: 'dyspec:6',
  temperature: 0,
  topP: 1,
  topK: 0,
  seed: 3,
  maxNewTokens: 24,
  stepMode: false,
};

let client: EngineClient | null = null;
afterEach(() => {
  client?.dispose();
  client = null;
});

describe('engine protocol over the in-process client', () => {
  it('loads with per-file progress, then reuses the loaded pair', async () => {
    const deps = fakeDeps({ files: ['config.json', 'tokenizer.json'] });
    client = createInProcessClient(deps);
    const progress: string[] = [];
    const loaded = await client.load(LOAD, (p) => progress.push(`${p.role}/${p.file}`)).done;
    expect(progress).toEqual(['draft/config.json', 'draft/tokenizer.json']);
    expect(loaded.target.id).toBe('fake-target');
    expect(loaded.vocab).toEqual([...Array(loaded.vocab.length).keys()].map((i) => fakeTokenizer().tokenText(i)));
    expect(loaded.backend.backend).toBe('wasm');
    await client.load(LOAD).done;
    expect(deps.loads).toHaveLength(1);
  });

  it('streams steps whose tokens equal the engine run directly, and greedy output equals ar', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const steps: StepRecord[] = [];
    const result = await client.generate(RUN, { onStep: (s) => steps.push(s) }).done;
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.flatMap((s) => s.emitted)).toEqual(result.tokens);
    expect(result.promptIds).toEqual(fakeTokenizer().encode('the cat'));
    expect(result.text).toBe(fakeTokenizer().decode(result.tokens));

    const pair = fakePair();
    const direct = await generate({
      draft: pair.draft.model,
      target: pair.target.model,
      prompt: result.promptIds,
      strategy: 'dyspec:6',
      params: { temperature: 0, topP: 1, topK: 0 },
      maxNewTokens: 24,
      seed: 3,
      eosTokenIds: [FAKE_EOS],
    });
    expect(result.tokens).toEqual(direct.tokens);
    const ar = await client.generate({ ...RUN, strategy: 'ar' }).done;
    expect(ar.tokens).toEqual(result.tokens);
  });

  it('step mode parks after each step until next(), and stop ends a parked run', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const waits: number[] = [];
    let steps = 0;
    const h = client.generate({ ...RUN, stepMode: true }, { onStep: () => steps++, onWaiting: (i) => waits.push(i) });
    await until(() => waits.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(steps).toBe(1); // parked: no second target call without next()
    h.next();
    await until(() => waits.length === 2);
    expect(steps).toBe(2);
    h.stop();
    const result = await h.done;
    expect(result.stopped).toBe(true);
    expect(result.stopReason).toBe('stopped');
    expect(steps).toBe(2);
  });

  it('compares strategies with the benchmark protocol, reporting each run where it sits', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const strategies = ['ar', 'chain:3', 'tree:2x2', 'dyspec:6'];
    const seen: CompareRunEvent[] = [];
    let warmups = 0;
    const out = await client.compare(
      { ...RUN, prompts: ['the cat', 'a dog'], strategies, repeats: 2 },
      { onRun: (r) => seen.push(r), onWarmup: () => warmups++ },
    ).done;
    expect(warmups).toBeGreaterThanOrEqual(2);
    expect(seen).toHaveLength(2 * 2 * strategies.length);
    expect(seen.map((r) => r.run)).toEqual(seen.map((_, i) => i));
    expect(seen.every((r) => r.total === seen.length)).toBe(true);
    // Unit u = (repeat, prompt) runs every strategy once, the order rotated by u.
    seen.forEach((r, i) => {
      const unit = Math.floor(i / strategies.length);
      expect(r.position).toEqual({
        prompt: unit % 2,
        repeat: Math.floor(unit / 2),
        order: i % strategies.length,
        added: false,
      });
      expect(r.result.strategy).toBe(strategies[(unit + (i % strategies.length)) % strategies.length]);
      expect(r.result.promptText).toBe(['the cat', 'a dog'][unit % 2]);
    });
    const arOf = (prompt: number) => seen.find((r) => r.result.strategy === 'ar' && r.position.prompt === prompt)!;
    expect(arOf(0).result.tokens).not.toEqual(arOf(1).result.tokens);
    for (const r of seen) expect(r.result.tokens).toEqual(arOf(r.position.prompt).result.tokens); // lossless
    expect(out.stopped).toBe(false);
    expect(out.bench.rows.map((r) => r.strategy)).toEqual(strategies);
    expect(out.bench.rows.every((r) => r.runs === 4 && r.greedy_identical === true)).toBe(true);
    expect(out.bench.protocol.complete_units).toBe(4);
  });

  it('resolves auto budgets from a measured profile, and keeps greedy output lossless', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const ar = await client.generate({ ...RUN, strategy: 'ar' }).done;
    for (const strategy of ['dyspec:auto', 'sequoia:auto', 'dyspec-cal:auto', 'dyspec:auto', 'dyspec-cal:8']) {
      const r = await client.generate({ ...RUN, strategy }).done;
      expect(r.strategy).toBe(strategy);
      // The chosen budget most steps ran, or `ar` where the controller chose not to speculate.
      expect(r.resolvedStrategy).toMatch(new RegExp(`^(${strategy.split(':')[0]}:\\d+|ar)$`));
      expect(r.tokens).toEqual(ar.tokens);
    }
  });

  it('carries what dyspec-cal learned into the next run of the same sampling setting only', async () => {
    const estimates = async (c: EngineClient, temperature: number) => {
      const steps: StepRecord[] = [];
      await c.generate({ ...RUN, strategy: 'dyspec-cal:6', temperature }, { onStep: (s) => steps.push(s) }).done;
      return steps.map((s) => s.tree.estimates);
    };
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const hot = await estimates(client, 0.8);
    const fresh = createInProcessClient(fakeDeps());
    try {
      await fresh.load(LOAD).done;
      expect(await estimates(fresh, 0.8)).toEqual(hot); // a fresh engine: the same run, the same trees
      expect(await estimates(fresh, 0.8)).not.toEqual(hot); // again: keyed by what the first run learned
      const warmOther = await estimates(fresh, 1); // another setting starts from the prior ...
      expect(await estimates(client, 1)).toEqual(warmOther); // ... as on an engine that never ran it
    } finally {
      fresh.dispose();
    }
  });

  it('reports errors with their class name and fields', async () => {
    client = createInProcessClient(
      fakeDeps({ failDraft: { source: 'bad', error: new VocabularyMismatchError(5, 'token 5 differs') } }),
    );
    const err = await client.load({ ...LOAD, draft: 'bad' }).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).name).toBe('VocabularyMismatchError');
    expect((err as EngineError).file).toBe('tokenizer.json');
    const noModels = await client.generate(RUN).done.catch((e: unknown) => e);
    expect((noModels as Error).message).toMatch(/no models are loaded/);
    await client.load(LOAD).done;
    const badStrategy = await client.generate({ ...RUN, strategy: 'dyspec:0' }).done.catch((e: unknown) => e);
    expect((badStrategy as EngineError).name).toBe('InvalidSettingError');
    expect((badStrategy as EngineError).setting).toBe('strategy');
  });

  it('rejects every request in flight when the engine dies', async () => {
    let fatal: (message: string) => void = () => undefined;
    const dead: Transport = {
      post: () => undefined,
      listen: (_l, onFatal) => {
        fatal = onFatal;
        return () => undefined;
      },
      close: () => undefined,
    };
    const c = new EngineClient(dead);
    const load = c.load(LOAD).done.catch((e: Error) => e.message);
    const run = c.generate(RUN).done.catch((e: Error) => e.message);
    fatal('the engine worker failed: boom');
    expect(await load).toBe('the engine worker failed: boom');
    expect(await run).toBe('the engine worker failed: boom');
  });

  it('turns any thrown value into plain error data', () => {
    expect(toErrorInfo('boom')).toEqual({ name: 'Error', message: 'boom', file: null, setting: null });
    expect(structuredClone(toErrorInfo(new TypeError('x')))).toEqual({
      name: 'TypeError',
      message: 'x',
      file: null,
      setting: null,
    });
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}
