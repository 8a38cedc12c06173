import { afterEach, describe, expect, it } from 'vitest';
import { DRAFT_PROFILE_SIZES, PROFILE_REPEATS } from '../../src/core/controller';
import { DEFAULT_PROFILE_SIZES, measureLatency, type LatencyOptions } from '../../src/core/latency';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { measureWithProgress, PHASE_INTERVAL_MS, PhaseReporter } from '../../src/worker/phase';
import type { EnginePhase, GenerateRequest } from '../../src/worker/protocol';
import { TableLm } from '../helpers/table-lm';
import { fakeDeps } from './fake-pair';

const LOAD = { draft: 'd', target: 't', backend: 'wasm' as const, baseUrl: 'http://localhost/' };
const RUN: GenerateRequest = {
  prompt: 'the cat',
  chat: false,
  strategy: 'dyspec:auto',
  temperature: 0,
  topP: 1,
  topK: 0,
  seed: 3,
  maxNewTokens: 12,
  stepMode: false,
};

function options(sizes: readonly number[]): LatencyOptions {
  let t = 0;
  return { sizes, past: 4, repeats: PROFILE_REPEATS, vocab: 20, now: () => (t += 1) };
}

let client: EngineClient | null = null;
afterEach(() => {
  client?.dispose();
  client = null;
});

describe('profiling progress', () => {
  it("core's measurement reports every forward call it makes, out of the total it announces", async () => {
    for (const sizes of [DEFAULT_PROFILE_SIZES, DRAFT_PROFILE_SIZES, [1]]) {
      const lm = new TableLm({ vocab: 20, order: 2, seed: 1 });
      const seen: [number, number][] = [];
      await measureLatency(lm, { ...options(sizes), onCall: (done, total) => seen.push([done, total]) });
      expect(seen.map(([done]) => done)).toEqual([...Array(lm.calls + 1).keys()]);
      expect(seen.every(([, total]) => total === lm.calls)).toBe(true);
    }
  });

  it('reports 0 first, then every call up to the total, and measures the model itself', async () => {
    const lm = new TableLm({ vocab: 20, order: 2, seed: 1 });
    const seen: [string, number, number][] = [];
    const measure = measureWithProgress((role, done, total) => seen.push([role, done, total]));
    const profile = await measure('target', lm, options([1, 2, 4]));
    const total = seen[0][2];
    expect(seen.map(([, done]) => done)).toEqual([...Array(total + 1).keys()]);
    expect(seen.every(([role, , t]) => role === 'target' && t === total)).toBe(true);
    expect(lm.calls).toBe(total);
    expect(profile.sizes).toEqual([1, 2, 4]);
    expect(lm.pastLength).toBe(0); // measureLatency resets the real model's cache through the wrapper
  });
});

describe('PhaseReporter', () => {
  it('throttles profiling to one event per interval, and returns to the base phase when a profile ends', () => {
    let t = 0;
    const seen: (EnginePhase | null)[] = [];
    const phases = new PhaseReporter(
      (p) => seen.push(p),
      () => t,
    );
    phases.set({ kind: 'warmup', round: 1 });
    phases.profiling('target', 0, 10);
    for (let done = 1; done < 10; done++) {
      t += PHASE_INTERVAL_MS / 4;
      phases.profiling('target', done, 10);
    }
    phases.profiling('target', 10, 10);
    const profiling = seen.filter((p) => p?.kind === 'profiling');
    // 0 at once, then one event per interval: calls 4 and 8 (t = 100 and 200).
    expect(profiling.map((p) => p?.kind === 'profiling' && p.done)).toEqual([0, 4, 8]);
    expect(seen[0]).toEqual({ kind: 'warmup', round: 1 });
    expect(seen.at(-1)).toEqual({ kind: 'warmup', round: 1 });
  });
});

describe('phase events over the in-process engine', () => {
  it('a first auto run reports loading, then profiling of target and draft before its first step; later runs none', async () => {
    client = createInProcessClient(fakeDeps());
    const events: string[] = [];
    client.onPhase((phase) =>
      events.push(phase ? `${phase.kind}${phase.kind === 'profiling' ? ` ${phase.role}` : ''}` : 'none'),
    );
    await client.load(LOAD).done;
    expect(events).toEqual(['loading', 'none']);
    events.length = 0;
    await client.generate(RUN, { onStep: () => events.push('step') }).done;
    const firstStep = events.indexOf('step');
    const before = events.slice(0, firstStep).filter((e, i, all) => e !== all[i - 1]); // repeats collapsed
    expect(before).toEqual(['profiling target', 'none', 'profiling draft', 'none']);
    expect(events.slice(firstStep).every((e) => e === 'step')).toBe(true);
    events.length = 0;
    await client.generate(RUN, { onStep: () => events.push('step') }).done;
    expect(new Set(events)).toEqual(new Set(['step'])); // profiles are measured once per pair
  });

  it('a comparison reports its warm-up rounds, and no phase once it is done', async () => {
    client = createInProcessClient(fakeDeps());
    await client.load(LOAD).done;
    const seen: (EnginePhase | null)[] = [];
    client.onPhase((phase) => seen.push(phase));
    const compare = { ...RUN, prompts: ['the cat', 'a dog'], strategies: ['ar', 'chain:2'] };
    let runsSeen = 0;
    let warmupAtFirstRun: EnginePhase | null | undefined;
    await client.compare(compare, {
      onRun: () => {
        if (runsSeen++ === 0) warmupAtFirstRun = seen.at(-1);
      },
    }).done;
    const rounds = seen.filter((p) => p?.kind === 'warmup').map((p) => p?.kind === 'warmup' && p.round);
    expect(rounds[0]).toBe(1);
    expect(rounds).toEqual([...Array(rounds.length).keys()].map((i) => i + 1));
    expect(warmupAtFirstRun).toBeNull(); // measuring: the warm-up is over
    expect(seen.at(-1)).toBeNull();
  });
});
