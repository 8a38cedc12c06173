/**
 * The benchmark protocol (docs/design.md §7): the one way this project times strategies against each other, used by
 * `cli bench` and by the page's "Compare strategies", so a figure the page shows and one the CLI prints come from
 * the same runs in the same order.
 *
 * 1. Plan: the strategies as listed, `ar` added first when missing (every speedup needs it), each `auto` followed by
 *    its sweep of fixed budgets.
 * 2. Warm up until the step time is stable: rounds of every strategy on the first prompt (WASM tier-up, allocator
 *    and kernel caches, the `auto` choosers' first steps), until one round's ms per token is within `tolerance` of
 *    the previous round's (at least `minRounds`, at most `maxRounds`). Sequoia's per-rank acceptance is frozen
 *    before each round (what the rounds before measured), so a round's Sequoia trees do not depend on which
 *    strategies happened to run before them in it, and frozen once more after the last round, as Sequoia builds its
 *    tree from an offline profile.
 * 3. Profile again: the latency profiles the `auto` choosers price budgets with are re-measured on the warm engine
 *    (the first ones, taken when an `auto` strategy first ran, saw a cold one) and the choosers re-priced.
 * 4. Measure: for each repeat, for each prompt (a "unit"), every strategy once, the order rotated by one per unit,
 *    so no strategy always runs first or after the same neighbour and slow drift spreads over all alike.
 * 5. Summarise (summary.ts): only complete units count, paired bootstrap intervals over the prompts.
 *
 * A stop (the signal) ends the protocol within one step: the run in flight is dropped and the units finished so far
 * are the result.
 */
import type { RunOutcome, RunSettings } from '../controller';
import { InvalidSettingError } from '../errors';
import type { AbortSignalLike } from '../generate';
import type { LatencyProfile } from '../latency';
import type { SamplingParams } from '../sampling';
import { formatStrategy, isAutoStrategy, parseStrategy, withBudget, type Strategy } from '../strategy';

/** What the protocol runs strategies on: a controller-backed pair (the CLI's Runner, the worker's host). */
export interface BenchSubject {
  run(settings: Omit<RunSettings, 'datastore'>): Promise<RunOutcome>;
  /** Fixes Sequoia's per-rank acceptance to what the warm-up measured; returns it. */
  freezeSequoiaAcceptance(): number[];
  /** Measures both latency profiles again, on the warm engine, and re-prices the `auto` choosers with them. */
  reprofile(): Promise<{ target: LatencyProfile; draft: LatencyProfile | null }>;
  /** Where the steps of `ar` runs reach the `auto` choosers: as they run, or at each `endUnit` (controller.ts). */
  lendStepsAt(point: 'run' | 'unit'): void;
  /** A unit (or warm-up round) is over: the steps held for the choosers reach them. */
  endUnit(): void;
}

/** When the warm-up ends. */
export interface WarmupConfig {
  /** Tokens of each warm-up run. */
  tokens: number;
  minRounds: number;
  maxRounds: number;
  /** Relative change of ms per token between two rounds below which the machine counts as warm. */
  tolerance: number;
}

/** The default warm-up: 2 to 6 rounds, stable within 5%. */
export const DEFAULT_WARMUP: Omit<WarmupConfig, 'tokens'> = { minRounds: 2, maxRounds: 6, tolerance: 0.05 };

/** What to run. */
export interface BenchConfig {
  /** Strategy texts; `ar` is added first when missing. */
  strategies: readonly string[];
  /** Prompt token ids, one entry per prompt. */
  prompts: readonly (readonly number[])[];
  maxNewTokens: number;
  params: SamplingParams;
  seed: number;
  /** Budgets run next to each `auto` strategy (added as extra rows when not listed). */
  autoSweep: readonly number[];
  /** Times every (prompt, strategy) runs (>= 1). */
  repeats: number;
  warmup: WarmupConfig;
}

/** One planned strategy. */
export interface PlannedStrategy {
  text: string;
  strategy: Strategy;
  /** True for rows the protocol added (the `ar` baseline, the sweep next to an `auto` strategy). */
  added: boolean;
}

/** One measured run. */
export interface MeasuredRun {
  strategy: string;
  /** Prompt index in the config. */
  prompt: number;
  repeat: number;
  /** Position of this run within its unit (0: ran first). */
  order: number;
  outcome: RunOutcome;
}

/** What the warm-up did. */
export interface WarmupReport {
  rounds: number;
  /** ms per token of each round, all strategies together. */
  msPerToken: number[];
  /** True when the last two rounds agreed within the tolerance (false: stopped at maxRounds). */
  stable: boolean;
}

/** Everything the protocol measured, ready for summary.ts. */
export interface BenchRecord {
  plans: PlannedStrategy[];
  runs: MeasuredRun[];
  prompts: number;
  repeats: number;
  warmup: WarmupReport;
  sequoiaAcceptance: number[];
  profile: { target: LatencyProfile | null; draft: LatencyProfile | null };
  /** True when a stop ended the protocol early. */
  stopped: boolean;
}

/** Progress of the protocol, for a progress line or bar. */
export type BenchProgress =
  | { phase: 'profile' }
  | { phase: 'warmup'; round: number; msPerToken: number }
  | { phase: 'measure'; run: MeasuredRun; done: number; total: number };

/** Hooks of one protocol run. */
export interface BenchHooks {
  signal?: AbortSignalLike;
  onProgress?: (progress: BenchProgress) => void | Promise<void>;
}

/** The strategies to run, in order: `ar` first if missing, each `auto` followed by its sweep. Duplicates dropped. */
export function planStrategies(texts: readonly string[], autoSweep: readonly number[]): PlannedStrategy[] {
  const plans: PlannedStrategy[] = [];
  const seen = new Set<string>();
  const add = (strategy: Strategy, added: boolean): void => {
    const text = formatStrategy(strategy);
    if (seen.has(text)) return;
    seen.add(text);
    plans.push({ text, strategy, added });
  };
  const parsed = texts.map(parseStrategy);
  const listed = new Set(parsed.map(formatStrategy));
  if (!parsed.some((s) => s.kind === 'ar')) add({ kind: 'ar' }, true);
  for (const s of parsed) add(s, false);
  for (const s of parsed) {
    if (!isAutoStrategy(s)) continue;
    for (const budget of autoSweep) {
      const swept = withBudget(s, budget);
      add(swept, !listed.has(formatStrategy(swept)));
    }
  }
  return plans;
}

/** The strategy order of one unit: the plans rotated by the unit's index. */
export function unitOrder(plans: number, unit: number): number[] {
  return Array.from({ length: plans }, (_, j) => (unit + j) % plans);
}

/** Runs the protocol on a subject. */
export async function runBenchmark(
  subject: BenchSubject,
  config: BenchConfig,
  hooks: BenchHooks = {},
): Promise<BenchRecord> {
  checkConfig(config);
  const plans = planStrategies(config.strategies, config.autoSweep);
  const { signal } = hooks;
  const progress = async (p: BenchProgress): Promise<void> => void (await hooks.onProgress?.(p));
  const record: BenchRecord = {
    plans,
    runs: [],
    prompts: config.prompts.length,
    repeats: config.repeats,
    warmup: { rounds: 0, msPerToken: [], stable: false },
    sequoiaAcceptance: [],
    profile: { target: null, draft: null },
    stopped: false,
  };
  const run = (plan: PlannedStrategy, prompt: number, maxNewTokens: number, seed: number) =>
    subject.run({
      prompt: config.prompts[prompt],
      strategy: plan.strategy,
      params: config.params,
      maxNewTokens,
      seed,
      signal,
    });

  const warmRun = (plan: PlannedStrategy) => run(plan, 0, config.warmup.tokens, config.seed);
  subject.lendStepsAt('unit');
  try {
    const beforeRound = (): void => {
      subject.endUnit();
      subject.freezeSequoiaAcceptance();
    };
    record.warmup = await warmUp(plans, config, signal, warmRun, progress, beforeRound);
    subject.endUnit();
    record.sequoiaAcceptance = subject.freezeSequoiaAcceptance();
    if (!signal?.aborted) {
      await progress({ phase: 'profile' });
      record.profile = await subject.reprofile();
    }
    await measure(plans, config, record, signal, run, progress, () => subject.endUnit());
  } finally {
    subject.lendStepsAt('run');
  }
  record.stopped = signal?.aborted ?? false;
  return record;
}

/** Step 4 of the protocol: every unit, the strategies in the unit's order; `endUnit` after each. */
async function measure(
  plans: readonly PlannedStrategy[],
  config: BenchConfig,
  record: BenchRecord,
  signal: AbortSignalLike | undefined,
  run: (plan: PlannedStrategy, prompt: number, maxNewTokens: number, seed: number) => Promise<RunOutcome>,
  progress: (p: BenchProgress) => Promise<void>,
  endUnit: () => void,
): Promise<void> {
  const units = config.repeats * config.prompts.length;
  for (let unit = 0; unit < units && !signal?.aborted; unit++) {
    const repeat = Math.floor(unit / config.prompts.length);
    const prompt = unit % config.prompts.length;
    const order = unitOrder(plans.length, unit);
    for (let j = 0; j < order.length; j++) {
      const plan = plans[order[j]];
      const outcome = await run(plan, prompt, config.maxNewTokens, config.seed + unit);
      if (signal?.aborted) break; // the run in flight was cut short: it does not count
      const measured: MeasuredRun = { strategy: plan.text, prompt, repeat, order: j, outcome };
      record.runs.push(measured);
      await progress({ phase: 'measure', run: measured, done: record.runs.length, total: units * plans.length });
    }
    endUnit();
  }
}

/** Warm-up rounds until ms per token is stable (see the file comment). */
async function warmUp(
  plans: readonly PlannedStrategy[],
  config: BenchConfig,
  signal: AbortSignalLike | undefined,
  run: (plan: PlannedStrategy) => Promise<RunOutcome>,
  progress: (p: BenchProgress) => Promise<void>,
  beforeRound: () => void,
): Promise<WarmupReport> {
  const { minRounds, maxRounds, tolerance } = config.warmup;
  const report: WarmupReport = { rounds: 0, msPerToken: [], stable: false };
  while (report.rounds < maxRounds && !signal?.aborted) {
    let tokens = 0;
    let ms = 0;
    beforeRound();
    for (const k of unitOrder(plans.length, report.rounds)) {
      if (signal?.aborted) break; // no run starts after a stop
      const outcome = await run(plans[k]);
      tokens += outcome.tokens.length;
      ms += outcome.wallMs;
    }
    if (signal?.aborted) break;
    const rate = ms / Math.max(1, tokens);
    const previous = report.msPerToken.at(-1);
    report.msPerToken.push(rate);
    report.rounds++;
    await progress({ phase: 'warmup', round: report.rounds, msPerToken: rate });
    report.stable = previous !== undefined && Math.abs(rate - previous) <= tolerance * previous;
    if (report.stable && report.rounds >= minRounds) break;
  }
  return report;
}

function checkConfig(config: BenchConfig): void {
  const bad = (setting: string, message: string) => new InvalidSettingError(setting, message);
  if (config.strategies.length === 0) throw bad('strategies', 'a benchmark needs at least one strategy');
  if (config.prompts.length === 0) throw bad('prompts', 'a benchmark needs at least one prompt');
  if (!Number.isInteger(config.repeats) || config.repeats < 1)
    throw bad('repeats', `repeats must be an integer >= 1, got ${config.repeats}`);
  const w = config.warmup;
  if (!(w.minRounds >= 1 && w.maxRounds >= w.minRounds && w.tokens >= 1))
    throw bad('warmup', 'warm-up needs tokens >= 1 and 1 <= minRounds <= maxRounds');
}
