import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/store/store';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps } from '../worker/fake-pair';

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

describe('phase slice', () => {
  it("holds the engine's phase while a first auto run profiles, and none once its steps show", async () => {
    client = createInProcessClient(fakeDeps());
    const store = createAppStore({ client, baseUrl: 'http://localhost/' });
    store.getState().applyHash('#max_tokens=8&chat=0&strategy=dyspec%3Aauto');
    const seen: string[] = [];
    store.subscribe((s, prev) => {
      if (s.enginePhase !== prev.enginePhase) seen.push(s.enginePhase?.phase.kind ?? 'none');
      if (s.run?.steps.length && !prev.run?.steps.length) seen.push('step');
    });
    await store.getState().startRun();
    expect(store.getState().runStatus).toBe('done');
    const beforeStep = seen.slice(0, seen.indexOf('step'));
    expect(beforeStep[0]).toBe('loading');
    expect(beforeStep).toContain('profiling');
    expect(beforeStep.at(-1)).toBe('none');
    expect(store.getState().enginePhase).toBeNull();
  });
});
