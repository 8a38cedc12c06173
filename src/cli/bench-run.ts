/**
 * The bench: every strategy on every prompt in one process, so speedups compare runs on the same machine, backend
 * and load (DESIGN.md §5).
 *
 * Order: a warm-up run of every strategy first (JIT, allocator and onnxruntime kernel caches warm; the auto
 * choosers see their first steps; the per-rank acceptance that shapes Sequoia trees is measured and then frozen),
 * then prompt-major with the strategy order rotated by one per prompt, so no strategy always runs first or right
 * after another one, and slow drift of the machine spreads over all strategies alike.
 */
import { bootstrapResamples, ratioInterval, type PromptRun } from '../core/bootstrap';
import { latencyAt } from '../core/budget';
import { computeMetrics, efficiency, type Metrics, type TimeSplit } from '../core/metrics';
import type { SamplingParams } from '../core/sampling';
import type { StepRecord } from '../core/step';
import { formatStrategy, isAutoStrategy, parseStrategy, sourcesOf, type Strategy } from '../core/strategy';
import type { LatencyProfile } from './latency';
import type { PromptEntry } from './prompts';
import type { Runner } from './runner';

/** What to run. */
export interface BenchConfig {
  /** Strategy texts; `ar` is added first when missing (every speedup needs it). */
  strategies: readonly string[];
  prompts: readonly PromptEntry[];
  maxNewTokens: number;
  params: SamplingParams;
  seed: number;
  /** Budgets of the sweep run next to each `auto` strategy (added as extra rows when not listed). */
  autoSweep: readonly number[];
  /** Tokens of each warm-up run. */
  warmupTokens: number;
}

/** One strategy's results over all prompts (field names as vLLM / the issue). */
export interface BenchRow {
  strategy: string;
  /** True for rows the bench added (the `ar` baseline, the sweep next to an `auto` strategy). */
  added: boolean;
  prompts: number;
  tokens: number;
  wall_ms: number;
  mean_acceptance_length: number;
  tokens_per_second: number;
  speedup_vs_ar: number;
  /** 95% interval of speedup_vs_ar from a paired bootstrap over the prompts (core/bootstrap.ts). */
  speedup_ci95: [number, number];
  /** Each prompt's tokens and wall time, in prompt order (for paired comparisons of any two rows). */
  per_prompt: { tokens: number; wall_ms: number }[];
  draft_n: number;
  draft_n_accepted: number;
  verify_steps: number;
  draft_calls: number;
  acceptance_rate: number;
  acceptance_rate_per_depth: number[];
  /** Mean tree size per step, root included (the verify call's token count). */
  mean_tree_size: number;
  /** Milliseconds per part, summed over the steps. */
  time_ms: TimeSplit;
  /** Each part's share of the step time. */
  time_share: Omit<TimeSplit, 'total'>;
  /** (tree + commit + sampling) / step time. */
  overhead_share: number;
  /** speedup / (tau * t(1) / t(tree size)), t = the target's measured profile. */
  efficiency: number;
  /** At T = 0: every prompt's tokens equal the `ar` tokens; null at T > 0. */
  greedy_identical: boolean | null;
  /** `auto` strategies: the budget chosen before each step, in run order. */
  chosen_budgets?: number[];
}

/** How an `auto` strategy did against the best fixed budget of the sweep. */
export interface AutoComparison {
  strategy: string;
  chosen_budgets: number[];
  speedup_vs_ar: number;
  best_sweep_strategy: string;
  best_sweep_speedup: number;
  /** auto speedup / best sweep speedup (target >= 0.95). */
  ratio: number;
  /** 95% interval of `ratio`, the two rows resampled as pairs over the prompts. */
  ratio_ci95: [number, number];
  /** Against the fastest `chain:G` row of the bench (null when none ran). */
  vs_best_chain: PairedComparison | null;
  /** Against the fastest fixed tree, `tree:...` or `sequoia:N` (null when none ran). */
  vs_best_fixed_tree: PairedComparison | null;
}

/** One row against another, resampled in pairs over the prompts. */
export interface PairedComparison {
  /** The other row. */
  strategy: string;
  speedup_vs_ar: number;
  /** This row's speedup / the other row's. */
  ratio: number;
  ratio_ci95: [number, number];
}

/** The bench's results. */
export interface BenchResult {
  rows: BenchRow[];
  auto: AutoComparison[];
  profile: { target: LatencyProfile; draft: LatencyProfile };
  sequoia_acceptance: number[];
}

/** Bootstrap resamples behind the intervals (their spread is about 1/sqrt of this off the exact percentiles). */
const BOOTSTRAP_RESAMPLES = 2000;

interface Plan {
  text: string;
  strategy: Strategy;
  added: boolean;
}

/** The strategies to run, in order: `ar` first if missing, each `auto` followed by its sweep. Duplicates dropped. */
export function planStrategies(texts: readonly string[], autoSweep: readonly number[]): Plan[] {
  const plans: Plan[] = [];
  const seen = new Set<string>();
  const add = (strategy: Strategy, added: boolean): void => {
    const text = formatStrategy(strategy);
    if (seen.has(text)) return;
    seen.add(text);
    plans.push({ text, strategy, added });
  };
  const parsed = texts.map(parseStrategy);
  if (!parsed.some((s) => s.kind === 'ar')) add({ kind: 'ar' }, true);
  for (const s of parsed) add(s, false);
  for (const s of parsed) {
    if (!isAutoStrategy(s)) continue;
    for (const budget of autoSweep) {
      const swept: Strategy = s.kind === 'sequoia' ? { ...s, budget, maxDepth: null } : { ...s, budget };
      add(swept, !parsed.map(formatStrategy).includes(formatStrategy(swept)));
    }
  }
  return plans;
}

/** Runs the bench. `log` gets one progress line per prompt. */
export async function runBench(runner: Runner, config: BenchConfig, log: (line: string) => void): Promise<BenchResult> {
  const plans = planStrategies(config.strategies, config.autoSweep);
  const { params, maxNewTokens } = config;
  const prompts = config.prompts.map((p) => runner.pair.tokenizer.encode(p.text));
  const target = await runner.profile('target');
  const draft = await runner.profile('draft');

  log(`warm-up: ${plans.length} strategies x ${config.warmupTokens} tokens`);
  for (const plan of plans) {
    const warm = {
      prompt: prompts[0],
      strategy: plan.strategy,
      params,
      maxNewTokens: config.warmupTokens,
      seed: config.seed,
    };
    await runner.run(warm);
  }
  const sequoiaAcceptance = runner.freezeSequoiaAcceptance();

  const acc = plans.map(() => ({
    steps: [] as StepRecord[],
    tokens: [] as number[][],
    chosen: [] as number[],
    perPrompt: [] as PromptRun[],
  }));
  for (let i = 0; i < prompts.length; i++) {
    for (let j = 0; j < plans.length; j++) {
      const k = (i + j) % plans.length; // rotated order
      const run = await runner.run({
        prompt: prompts[i],
        strategy: plans[k].strategy,
        params,
        maxNewTokens,
        seed: config.seed + i,
      });
      acc[k].steps.push(...run.steps);
      acc[k].tokens[i] = run.tokens;
      acc[k].perPrompt[i] = { tokens: run.tokens.length, wallMs: run.wallMs };
      acc[k].chosen.push(...run.chosenBudgets);
    }
    log(`prompt ${i + 1}/${prompts.length} done`);
  }

  const metrics = acc.map((a) =>
    computeMetrics(
      a.steps,
      a.perPrompt.reduce((ms, r) => ms + r.wallMs, 0),
    ),
  );
  const arIndex = plans.findIndex((p) => p.strategy.kind === 'ar');
  const arRate = metrics[arIndex].tokens_per_second;
  const resamples = bootstrapResamples(prompts.length, BOOTSTRAP_RESAMPLES, config.seed);
  const runsOf = new Map(plans.map((plan, k) => [plan.text, acc[k].perPrompt]));
  const rows = plans.map((plan, k) =>
    toRow(plan, metrics[k], acc[k], {
      arRate,
      speedupCi: ratioInterval(acc[k].perPrompt, acc[arIndex].perPrompt, resamples),
      target,
      greedy: params.temperature === 0 ? acc[arIndex].tokens : null,
      prompts: prompts.length,
    }),
  );
  const auto = compareAuto(rows, (a, b) => ratioInterval(runsOf.get(a)!, runsOf.get(b)!, resamples));
  return { rows, auto, profile: { target, draft }, sequoia_acceptance: sequoiaAcceptance };
}

function toRow(
  plan: Plan,
  m: Metrics,
  a: { steps: StepRecord[]; tokens: number[][]; chosen: number[]; perPrompt: PromptRun[] },
  ctx: {
    arRate: number;
    speedupCi: [number, number];
    target: LatencyProfile;
    greedy: number[][] | null;
    prompts: number;
  },
): BenchRow {
  const speedup = ctx.arRate > 0 ? m.tokens_per_second / ctx.arRate : NaN;
  const sizes = a.steps.map((s) => s.tree.tokens.length);
  const meanSize = sizes.reduce((x, y) => x + y, 0) / Math.max(1, sizes.length);
  // The verify-cost ratio averaged over the steps' actual sizes (t is not linear, so not t(mean size)).
  const tN = a.steps.reduce((x, s) => x + latencyAt(ctx.target, s.tree.tokens.length), 0) / Math.max(1, a.steps.length);
  const t = m.time_ms;
  const share = (v: number): number => (t.total > 0 ? v / t.total : 0);
  const greedy = ctx.greedy;
  return {
    strategy: plan.text,
    added: plan.added,
    prompts: ctx.prompts,
    tokens: m.tokens_emitted,
    wall_ms: m.wall_ms,
    mean_acceptance_length: m.mean_acceptance_length,
    tokens_per_second: m.tokens_per_second,
    speedup_vs_ar: speedup,
    speedup_ci95: ctx.speedupCi,
    per_prompt: a.perPrompt.map((r) => ({ tokens: r.tokens, wall_ms: r.wallMs })),
    draft_n: m.draft_n,
    draft_n_accepted: m.draft_n_accepted,
    verify_steps: m.verify_steps,
    draft_calls: m.draft_calls,
    acceptance_rate: m.acceptance_rate,
    acceptance_rate_per_depth: m.acceptance_rate_per_depth,
    mean_tree_size: meanSize,
    time_ms: t,
    time_share: {
      draft: share(t.draft),
      verify: share(t.verify),
      tree: share(t.tree),
      commit: share(t.commit),
      sampling: share(t.sampling),
    },
    overhead_share: share(t.tree + t.commit + t.sampling),
    efficiency: efficiency(speedup, m.mean_acceptance_length, latencyAt(ctx.target, 1), tN),
    greedy_identical: greedy ? a.tokens.every((tokens, i) => sameTokens(tokens, greedy[i])) : null,
    ...(isAutoStrategy(parseStrategy(plan.text)) ? { chosen_budgets: a.chosen } : {}),
  };
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Each `auto` row against the fastest fixed-budget row of the same kind (the sweep), the fastest chain and the
 * fastest fixed tree.
 * @param pairedCi the interval of (rate of row a / rate of row b), by strategy text
 */
function compareAuto(
  rows: readonly BenchRow[],
  pairedCi: (a: string, b: string) => [number, number],
): AutoComparison[] {
  const out: AutoComparison[] = [];
  const fastest = (kinds: readonly string[], also: (r: BenchRow) => boolean = () => true): BenchRow | null => {
    const family = rows.filter((r) => !r.chosen_budgets && kinds.includes(parseStrategy(r.strategy).kind) && also(r));
    return family.length ? family.reduce((x, y) => (y.speedup_vs_ar > x.speedup_vs_ar ? y : x)) : null;
  };
  for (const row of rows) {
    if (!row.chosen_budgets) continue;
    const spec = parseStrategy(row.strategy);
    const sameSources = (r: BenchRow): boolean =>
      sourcesOf(parseStrategy(r.strategy)).join('+') === sourcesOf(spec).join('+');
    const best = fastest([spec.kind], sameSources);
    if (!best) continue;
    const against = (other: BenchRow | null): PairedComparison | null =>
      other && {
        strategy: other.strategy,
        speedup_vs_ar: other.speedup_vs_ar,
        ratio: row.speedup_vs_ar / other.speedup_vs_ar,
        ratio_ci95: pairedCi(row.strategy, other.strategy),
      };
    out.push({
      strategy: row.strategy,
      chosen_budgets: row.chosen_budgets,
      speedup_vs_ar: row.speedup_vs_ar,
      best_sweep_strategy: best.strategy,
      best_sweep_speedup: best.speedup_vs_ar,
      ratio: row.speedup_vs_ar / best.speedup_vs_ar,
      ratio_ci95: pairedCi(row.strategy, best.strategy),
      vs_best_chain: against(fastest(['chain'])),
      vs_best_fixed_tree: against(fastest(['tree', 'sequoia'])),
    });
  }
  return out;
}
