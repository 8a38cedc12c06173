/**
 * The benchmark protocol (protocol.ts) and its summary (summary.ts) on fake-timed pairs (tests/helpers/timed-pair.ts),
 * over a BenchSubject built on a PairController: wall times are exact functions of the calls made, so the figures of
 * two protocol runs can be compared to the last digit.
 */
import { describe, expect, it } from 'vitest';
import type { PairController, RunOutcome, RunSettings } from '../../src/core/controller';
import {
  DEFAULT_WARMUP,
  runBenchmark,
  type BenchConfig,
  type BenchHooks,
  type BenchRecord,
  type BenchSubject,
} from '../../src/core/benchmark/protocol';
import { summariseBench, type BenchResult } from '../../src/core/benchmark/summary';
import type { AbortSignalLike } from '../../src/core/generate';
import { GREEDY, type SamplingParams } from '../../src/core/sampling';
import { fixedPrompts, timedPair, type PairKind } from '../helpers/timed-pair';

const HOT: SamplingParams = { temperature: 0.8, topP: 1, topK: 0 };

/** One run the subject was asked for. */
interface SubjectCall {
  strategy: string;
  prompt: readonly number[];
  maxNewTokens: number;
  seed: number;
  /** Whether the stop had already been given when the run was asked for. */
  afterStop: boolean;
  outcome?: RunOutcome;
}

/** A BenchSubject over a controller: runs go to the controller, freezing and profiles are delegated. */
interface RecordingSubject extends BenchSubject {
  calls: SubjectCall[];
  /** Called after every step of every run with the run's index among all calls (warm-up included). */
  onStep?: (call: number, stepIndex: number) => void;
}

function subjectOver(controller: PairController, signal?: AbortSignalLike): RecordingSubject {
  const subject: RecordingSubject = {
    calls: [],
    async run(settings: Omit<RunSettings, 'datastore'>) {
      const call: SubjectCall = {
        strategy: settings.strategy.kind === 'ar' ? 'ar' : JSON.stringify(settings.strategy),
        prompt: settings.prompt,
        maxNewTokens: settings.maxNewTokens,
        seed: settings.seed,
        afterStop: signal?.aborted ?? false,
      };
      const index = subject.calls.push(call) - 1;
      call.outcome = await controller.run({
        ...settings,
        onStep: async (step) => {
          await settings.onStep?.(step);
          subject.onStep?.(index, step.index);
        },
      });
      return call.outcome;
    },
    freezeSequoiaAcceptance: () => controller.freezeSequoiaAcceptance(),
    reprofile: () => controller.reprofile(),
    lendStepsAt: (point) => controller.lendStepsAt(point),
    endUnit: () => controller.endUnit(),
  };
  return subject;
}

interface BenchOptions {
  kind?: PairKind;
  params?: SamplingParams;
  prompts?: number;
  repeats?: number;
  autoSweep?: number[];
  hooks?: BenchHooks;
  /** Set up the subject before the protocol starts (e.g. to stop it at some step). */
  prepare?: (subject: RecordingSubject) => void;
}

/** The protocol and its summary on a fresh fake-timed pair. */
async function bench(
  strategies: readonly string[],
  options: BenchOptions = {},
): Promise<{ record: BenchRecord; summary: BenchResult; subject: RecordingSubject; config: BenchConfig }> {
  const pair = timedPair({ kind: options.kind ?? 'good' });
  const subject = subjectOver(pair.controller(), options.hooks?.signal);
  options.prepare?.(subject);
  const params = options.params ?? GREEDY;
  const config: BenchConfig = {
    strategies,
    prompts: fixedPrompts(options.prompts ?? 3, 8, pair.vocab),
    maxNewTokens: 24,
    params,
    seed: 5,
    autoSweep: options.autoSweep ?? [],
    repeats: options.repeats ?? 2,
    warmup: { ...DEFAULT_WARMUP, tokens: 12 },
  };
  const record = await runBenchmark(subject, config, options.hooks);
  return { record, summary: summariseBench(record, { params, seed: 7 }), subject, config };
}

const speedups = (summary: BenchResult) => new Map(summary.rows.map((r) => [r.strategy, r.speedup_vs_ar]));

describe('runBenchmark + summariseBench on a fake-timed pair', () => {
  describe('order invariance: the figures do not depend on the order the strategies are listed in', () => {
    it.each<[string, string[], SamplingParams]>([
      ['fixed strategies', ['ar', 'chain:2', 'tree:2x2', 'dyspec:4'], GREEDY],
      ['fixed strategies at T > 0', ['ar', 'chain:2', 'tree:2x2', 'dyspec:4'], HOT],
      // Sequoia trees read the per-rank acceptance measured from every strategy's steps, the auto choosers and the
      // dyspec-cal calibrations learn across runs, and the warm-up's length follows the rounds' times.
      ['learning strategies', ['sequoia:16', 'sequoia:auto', 'dyspec:auto', 'dyspec-cal:4', 'tree:4x2', 'ar'], GREEDY],
      ['learning strategies at T > 0', ['sequoia:32', 'sequoia:auto', 'dyspec-cal:auto', 'dyspec:auto', 'ar'], HOT],
    ])('%s', async (_, strategies, params) => {
      const forward = await bench(strategies, { params, autoSweep: [4] });
      const reversed = await bench([...strategies].reverse(), { params, autoSweep: [4] });
      expect(reversed.record.plans.map((p) => p.text)).not.toEqual(forward.record.plans.map((p) => p.text));
      const a = speedups(forward.summary);
      const b = speedups(reversed.summary);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [strategy, speedup] of a) {
        expect(Number.isFinite(speedup)).toBe(true);
        expect(b.get(strategy), strategy).toBeCloseTo(speedup, 9);
      }
      // What the speedups rest on agrees too: the warm-up, the frozen Sequoia acceptance, the auto choices.
      expect(reversed.record.warmup.rounds).toBe(forward.record.warmup.rounds);
      expect(reversed.record.sequoiaAcceptance).toEqual(forward.record.sequoiaAcceptance);
      for (const row of forward.summary.rows) {
        const other = reversed.summary.rows.find((r) => r.strategy === row.strategy);
        expect(other?.chosen_budgets, row.strategy).toEqual(row.chosen_budgets);
        expect(other?.tokens, row.strategy).toBe(row.tokens);
      }
    });
  });

  it('rotates the order: over the units every strategy runs at every position equally often', async () => {
    const strategies = ['chain:2', 'tree:2x2', 'dyspec:4']; // + ar: 4 plans
    const { record, subject, config } = await bench(strategies, { prompts: 2, repeats: 4 }); // 8 units
    const plans = record.plans.map((p) => p.text);
    expect(plans).toEqual(['ar', ...strategies]);
    const units = 8;
    expect(record.runs).toHaveLength(units * plans.length);
    for (const strategy of plans) {
      const positions = record.runs.filter((r) => r.strategy === strategy).map((r) => r.order);
      for (let j = 0; j < plans.length; j++) {
        expect(
          positions.filter((o) => o === j),
          `${strategy} at ${j}`,
        ).toHaveLength(units / plans.length);
      }
    }
    // Within a unit: every strategy once, at positions 0..P-1, on the unit's prompt and seed.
    for (let u = 0; u < units; u++) {
      const unit = record.runs.slice(u * plans.length, (u + 1) * plans.length);
      expect(unit.map((r) => r.order)).toEqual([0, 1, 2, 3]);
      expect(new Set(unit.map((r) => r.strategy)).size).toBe(plans.length);
      expect(new Set(unit.map((r) => `${r.prompt}/${r.repeat}`))).toEqual(new Set([`${u % 2}/${Math.floor(u / 2)}`]));
      expect(unit[0].strategy).toBe(plans[u % plans.length]); // rotated by one per unit
    }
    // The warm-up ran first: whole rounds of every plan on the first prompt, with the warm-up's token count.
    const warm = subject.calls.slice(0, record.warmup.rounds * plans.length);
    expect(record.warmup.rounds).toBeGreaterThanOrEqual(config.warmup.minRounds);
    expect(warm.every((c) => c.prompt === config.prompts[0] && c.maxNewTokens === config.warmup.tokens)).toBe(true);
    expect(subject.calls).toHaveLength(warm.length + record.runs.length);
    const measured = subject.calls.slice(warm.length);
    measured.forEach((c, i) => expect(c.outcome).toBe(record.runs[i].outcome));
    record.runs.forEach((r, i) => expect(measured[i].seed).toBe(config.seed + Math.floor(i / plans.length)));
  });

  it('is stable once the warm-up rounds agree: identical rounds on the fake clock stop after minRounds', async () => {
    const { record } = await bench(['chain:2', 'tree:2x2']);
    expect(record.warmup).toMatchObject({ rounds: DEFAULT_WARMUP.minRounds, stable: true });
    expect(record.warmup.msPerToken[1]).toBe(record.warmup.msPerToken[0]);
  });

  describe('a stop', () => {
    it('mid-measurement ends within the run in flight, keeps complete units only and says stopped', async () => {
      const signal = { aborted: false };
      let armed = false;
      const hooks: BenchHooks = {
        signal,
        // After the first unit (ar + 3 plans) and two runs of the second: stop the next run at its second step.
        onProgress: (p) => void (armed ||= p.phase === 'measure' && p.done === 4 + 2),
      };
      const { record, summary, subject } = await bench(['chain:2', 'tree:2x2', 'dyspec:4'], {
        hooks,
        prepare: (s) => {
          s.onStep = (_, stepIndex) => {
            if (armed && stepIndex === 1) signal.aborted = true;
          };
        },
      });
      expect(record.stopped).toBe(true);
      expect(summary.protocol.stopped).toBe(true);
      // No run was asked for after the stop; the one in flight stopped within a step and does not count.
      expect(subject.calls.some((c) => c.afterStop)).toBe(false);
      const last = subject.calls[subject.calls.length - 1].outcome!;
      expect(last.stopReason).toBe('aborted');
      expect(last.steps).toHaveLength(2);
      expect(record.runs.map((r) => r.outcome)).not.toContain(last);
      expect(record.runs).toHaveLength(6); // the first unit and two runs of the second
      // Only the complete unit counts.
      expect(summary.protocol.complete_units).toBe(1);
      for (const row of summary.rows) {
        expect(row.runs, row.strategy).toBe(1);
        expect(row.tokens, row.strategy).toBe(24);
      }
      expect(summary.rows.find((r) => r.strategy === 'ar')?.speedup_vs_ar).toBe(1);
    });

    it('during the warm-up ends within the run in flight: no run starts after it, nothing is measured', async () => {
      const signal = { aborted: false };
      const { record, summary, subject } = await bench(['chain:2', 'tree:2x2', 'dyspec:4'], {
        hooks: { signal },
        prepare: (s) => {
          s.onStep = (call, stepIndex) => {
            if (call === 1 && stepIndex === 1) signal.aborted = true; // the first round's second run
          };
        },
      });
      expect(subject.calls).toHaveLength(2);
      expect(subject.calls.some((c) => c.afterStop)).toBe(false);
      expect(record).toMatchObject({ stopped: true, runs: [], warmup: { rounds: 0, stable: false } });
      expect(summary.protocol).toMatchObject({ stopped: true, complete_units: 0 });
      for (const row of summary.rows) expect(row.runs).toBe(0);
    });

    it('given before the protocol starts runs nothing', async () => {
      const { record, subject } = await bench(['chain:2'], { hooks: { signal: { aborted: true } } });
      expect(subject.calls).toHaveLength(0);
      expect(record).toMatchObject({ stopped: true, runs: [] });
    });
  });

  describe('the summary', () => {
    it.each<PairKind>(['good', 'useless', 'steep'])(
      'on the %s pair: greedy_identical at T = 0, intervals around the point estimates, prompts x repeats runs',
      async (kind) => {
        const strategies = ['chain:2', 'tree:2x2', 'dyspec:4', 'sequoia:8', 'dyspec-cal:auto'];
        const { summary, record } = await bench(strategies, { kind, prompts: 3, repeats: 2, autoSweep: [2, 8] });
        expect(summary.protocol).toMatchObject({
          complete_units: 6,
          prompts: 3,
          repeats: 2,
          bootstrap_units: 'prompts',
          stopped: false,
        });
        expect(summary.rows.map((r) => r.strategy)).toEqual(record.plans.map((p) => p.text));
        for (const row of summary.rows) {
          expect(row.greedy_identical, row.strategy).toBe(true);
          expect(row.runs, row.strategy).toBe(3 * 2);
          expect(row.prompts, row.strategy).toBe(3);
          expect(row.per_prompt, row.strategy).toHaveLength(3);
          expect(row.tokens, row.strategy).toBe(3 * 2 * 24);
          const [lo, hi] = row.speedup_ci95;
          expect(lo, row.strategy).toBeLessThanOrEqual(row.speedup_vs_ar);
          expect(hi, row.strategy).toBeGreaterThanOrEqual(row.speedup_vs_ar);
          expect(row.efficiency, row.strategy).not.toBeNull();
        }
        const ar = summary.rows.find((r) => r.strategy === 'ar')!;
        expect(ar).toMatchObject({ speedup_vs_ar: 1, speedup_ci95: [1, 1], added: true });
        const auto = summary.rows.find((r) => r.strategy === 'dyspec-cal:auto')!;
        const autoRuns = record.runs.filter((r) => r.strategy === 'dyspec-cal:auto');
        expect(auto.chosen_budgets).toEqual(autoRuns.flatMap((r) => r.outcome.chosenBudgets));
        const [comparison] = summary.auto;
        expect(comparison.strategy).toBe('dyspec-cal:auto');
        expect(comparison.ratio).toBeCloseTo(auto.speedup_vs_ar / comparison.best_sweep_speedup, 12);
        const [rlo, rhi] = comparison.ratio_ci95;
        expect(rlo).toBeLessThanOrEqual(comparison.ratio);
        expect(rhi).toBeGreaterThanOrEqual(comparison.ratio);
        if (kind === 'good') expect(Math.min(...summary.rows.map((r) => r.speedup_vs_ar))).toBe(1); // all speculate
        if (kind === 'steep') expect(auto.speedup_vs_ar).toBeGreaterThan(0.9); // auto stays near ar...
        if (kind === 'steep')
          expect(summary.rows.find((r) => r.strategy === 'dyspec-cal:8')!.speedup_vs_ar).toBeLessThan(0.5);
      },
    );

    it('greedy_identical is null at T > 0, and with one prompt the bootstrap units are its repeats', async () => {
      const { summary } = await bench(['chain:2', 'dyspec:4'], { params: HOT, prompts: 1, repeats: 3 });
      expect(summary.protocol).toMatchObject({ complete_units: 3, bootstrap_units: 'repeats' });
      for (const row of summary.rows) {
        expect(row.greedy_identical).toBeNull();
        expect(row.runs).toBe(3);
        expect(row.per_prompt).toHaveLength(3);
        expect(row.speedup_ci95[0]).toBeLessThanOrEqual(row.speedup_vs_ar);
        expect(row.speedup_ci95[1]).toBeGreaterThanOrEqual(row.speedup_vs_ar);
      }
    });
  });
});
