/**
 * What the page learns about the loaded pair on this device, as the CLI's runner does:
 * - `dyspec:auto` and `sequoia:auto`: the forward latency t(n) of the draft and the target is measured on this
 *   device and backend (once per loaded pair), and core's live chooser picks the node budget that maximises expected
 *   tokens per second from it and from the acceptance seen in earlier runs (DESIGN.md §6);
 * - `sequoia:N`: the tree is shaped by the per-rank acceptance measured in earlier runs (the default until then);
 * - `dyspec-cal`: the acceptance curve its trees are keyed by is carried from run to run, one per sampling setting.
 */
import {
  countAcceptanceByRank,
  DEFAULT_ACCEPTANCE_PRIOR,
  posteriorAcceptance,
  TABLE_DRAFT_LATENCY,
  type LatencyTable,
} from '../core/budget';
import { CalibrationsBySetting } from '../core/calibration';
import { asStrategyChooser, createBudgetChooser, type AdaptiveBudgetChooser } from '../core/budget-chooser';
import { measureLatency as measureForward } from '../core/latency';
import type { LanguageModel } from '../core/model';
import type { StepRecord } from '../core/step';
import {
  DEFAULT_SEQUOIA_ACCEPTANCE,
  formatStrategy,
  isAutoStrategy,
  sourcesOf,
  type BudgetChooser,
  type Strategy,
} from '../core/strategy';

/** Token counts t(n) is measured at (trees up to 64 draft nodes + the root). */
export const PROFILE_SIZES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 65];
/** Cached rows before each timed call (a typical prompt length). */
const PROFILE_PAST = 32;
const PROFILE_REPEATS = 3;
/** Sibling ranks whose acceptance shapes Sequoia trees. */
const SEQUOIA_RANKS = 8;
/** Steps of earlier runs kept for the acceptance estimate. */
const OBSERVED_STEPS = 512;
/** Candidate budgets of the chooser. */
const BUDGETS: readonly number[] = [1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64];

/**
 * Median forward time for each size (core's measurement), after a short past that fits the model; sizes that would
 * not fit are left out. Leaves the model's cache empty.
 */
export async function measureLatency(
  model: LanguageModel,
  vocab: number,
  now: () => number,
  sizes: readonly number[] = PROFILE_SIZES,
): Promise<LatencyTable> {
  const past = Math.min(PROFILE_PAST, Math.max(1, model.maxPositions - Math.max(...sizes)));
  const usable = sizes.filter((n) => past + n <= model.maxPositions);
  const profile = await measureForward(model, { sizes: usable, past, repeats: PROFILE_REPEATS, vocab, now });
  return { sizes: profile.sizes, ms: profile.ms };
}

/** Live choosers for the `auto` strategies of one loaded pair, and the acceptance measured so far. */
export class AutoBudgets {
  private profiles: Promise<{ target: LatencyTable; draft: LatencyTable }> | null = null;
  private observed: StepRecord[] = [];
  private readonly choosers = new Map<string, { chooser: AdaptiveBudgetChooser; steps: StepRecord[] }>();
  /** `dyspec-cal`'s learned acceptance curves (generate adds each step of a run it is given to). */
  readonly calibrations = new CalibrationsBySetting();

  constructor(
    private readonly draft: LanguageModel,
    private readonly target: LanguageModel,
    private readonly vocab: number,
    private readonly now: () => number,
  ) {}

  /** Records a speculative run's steps (per-rank acceptance for Sequoia shapes). */
  observe(steps: readonly StepRecord[]): void {
    this.observed = [...this.observed, ...steps].slice(-OBSERVED_STEPS);
  }

  /** Per-rank acceptance for `sequoia:N` trees: measured where runs were seen, the default before. */
  sequoiaAcceptance(): number[] {
    if (this.observed.length === 0) return [...DEFAULT_SEQUOIA_ACCEPTANCE];
    const prior = { rates: DEFAULT_SEQUOIA_ACCEPTANCE, strength: DEFAULT_ACCEPTANCE_PRIOR.strength };
    return posteriorAcceptance(countAcceptanceByRank(this.observed, SEQUOIA_RANKS), prior);
  }

  /**
   * generate's `chooseBudget` hook for an auto strategy (null for other strategies), and a function to call with the
   * run's steps afterwards so later runs learn from them.
   */
  async forStrategy(
    strategy: Strategy,
  ): Promise<{ chooseBudget: BudgetChooser; record: (steps: readonly StepRecord[]) => void } | null> {
    if (!isAutoStrategy(strategy)) return null;
    this.profiles ??= (async () => ({
      target: await measureLatency(this.target, this.vocab, this.now),
      draft: await measureLatency(this.draft, this.vocab, this.now),
    }))();
    const { target, draft } = await this.profiles;
    const key = formatStrategy(strategy); // one chooser per kind and draft sources
    let entry = this.choosers.get(key);
    if (!entry) {
      const dyspec = strategy.kind !== 'sequoia'; // dyspec and dyspec-cal: prefix-consistent heaps
      entry = {
        chooser: createBudgetChooser({
          targetLatency: target,
          // Table sources cost microseconds: their draft time is calibrated from the steps, starting near zero.
          draftLatency: sourcesOf(strategy).includes('model') ? draft : TABLE_DRAFT_LATENCY,
          budgets: BUDGETS,
          // DySpec grows one popped node per draft call (prefix-consistent); Sequoia expands layer by layer.
          draftCalls: dyspec ? 'per-node' : 'per-layer',
          prefixConsistent: dyspec,
        }),
        steps: [],
      };
      this.choosers.set(key, entry);
    }
    const e = entry;
    return {
      chooseBudget: asStrategyChooser(e.chooser, () => e.steps), // + the run's own steps, before every step
      record: (steps) => void e.steps.push(...steps),
    };
  }
}
