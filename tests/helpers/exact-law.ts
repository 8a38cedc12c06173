/**
 * Checking that one speculative step is lossless (DESIGN.md §4): the tokens it emits, continued with the target
 * where the step stopped, must follow the target's own law. Reusable for every tree builder:
 *
 *   const result = await checkStepLaw({ builder, target, draft, context, params, samples: 100_000, seed: 1 });
 *   expect(result.joint.pValue).toBeGreaterThan(SIGNIFICANCE);
 *
 * The step runs without model forwards, straight on TableLm's tables (a synthetic DraftContext), so 100k steps take
 * seconds. Draft distributions are made exactly as the engine's DraftContext makes them (`draftSamplingParams`).
 */
import type { DraftContext, TreeBuilder } from '../../src/core/builders/types';
import { draftSamplingParams } from '../../src/core/draft-context';
import { Rng } from '../../src/core/rng';
import { argmax, logitsToDistribution, sampleIndex, type SamplingParams } from '../../src/core/sampling';
import { TokenTree } from '../../src/core/tree';
import { verifyTree } from '../../src/core/verify';
import type { TableLm } from './table-lm';

/** Significance of every law test: a seeded test fails only for a real bias (or with this tiny probability). */
export const SIGNIFICANCE = 1e-5;

/** One step's setting. */
export interface StepCase {
  target: TableLm;
  draft: TableLm;
  /** The sequence so far; its last token is the root. */
  context: readonly number[];
  params: SamplingParams;
  /** Shared vocabulary (default: the target's vocabSize). */
  vocab?: number;
  /** Node cap handed to the builder (default 256). */
  maxNodes?: number;
  /**
   * The step's draft side, e.g. the engine's own createDraftStep over table sources (default: tableDraftContext
   * over `draft`'s tables). Called once per step with a fresh tree.
   */
  makeDraft?: (tree: TokenTree, rng: Rng) => DraftContext;
}

/** A verifier with verifyTree's signature (tests swap in broken ones to show the check has power). */
export type Verifier = typeof verifyTree;

/** The target's distribution after `context` under `params`: [vocab]. */
export function targetDistribution(target: TableLm, context: readonly number[], params: SamplingParams, vocab: number) {
  return logitsToDistribution(target.logitsFor(context), params, vocab);
}

/**
 * One model's distributions after `c.context` + a tree path, memoised per path (the tables are fixed, so this only
 * saves time). Paths are keyed by their tokens, built incrementally per tree.
 */
class PathDistributions {
  private readonly cache = new Map<string, Float32Array>();
  constructor(
    private readonly model: TableLm,
    private readonly context: readonly number[],
    private readonly params: SamplingParams,
    private readonly vocab: number,
  ) {}

  /** A lookup for one tree. */
  forTree(tree: TokenTree): (node: number) => Float32Array {
    const keys: string[] = [''];
    const keyOf = (node: number): string => (keys[node] ??= `${keyOf(tree.parents[node])},${tree.tokens[node]}`);
    return (node) => {
      const key = keyOf(node);
      let dist = this.cache.get(key);
      if (!dist) {
        const path = tree
          .pathTo(node)
          .slice(1)
          .map((n) => tree.tokens[n]);
        dist = logitsToDistribution(this.model.logitsFor([...this.context, ...path]), this.params, this.vocab);
        this.cache.set(key, dist);
      }
      return dist;
    };
  }
}

/** Per case object: its draft and target distributions. */
const memo = new WeakMap<StepCase, { draft: PathDistributions; target: PathDistributions }>();
function distributionsOf(c: StepCase) {
  let m = memo.get(c);
  if (!m) {
    const vocab = c.vocab ?? c.target.vocabSize;
    m = {
      draft: new PathDistributions(c.draft, c.context, draftSamplingParams(c.params), vocab),
      target: new PathDistributions(c.target, c.context, c.params, vocab),
    };
    memo.set(c, m);
  }
  return m;
}

/** Tokens of the path from the root to `node`, root excluded. */
function pathTokens(tree: TokenTree, node: number): number[] {
  return tree
    .pathTo(node)
    .slice(1)
    .map((n) => tree.tokens[n]);
}

/**
 * A DraftContext over TableLm's tables. Like the real one (TreeCursor) it refuses to expand a node twice or before
 * its parent, so a builder that breaks those rules fails here too.
 */
export function tableDraftContext(
  tree: TokenTree,
  c: StepCase,
  rng: Rng,
  greedy = c.params.temperature === 0,
): DraftContext & { calls: number } {
  const draftDist = distributionsOf(c).draft.forTree(tree);
  const expanded: boolean[] = [];
  const ctx = {
    tree,
    rng,
    greedy,
    maxNodes: c.maxNodes ?? 256,
    calls: 0,
    async expand(nodes: readonly number[]): Promise<Float32Array[]> {
      if (nodes.length === 0) return [];
      ctx.calls++;
      return nodes.map((node) => {
        if (expanded[node]) throw new Error(`node ${node} was already expanded`);
        const parent = tree.parents[node];
        if (parent >= 0 && !expanded[parent]) throw new Error(`node ${node}: parent ${parent} not expanded first`);
        expanded[node] = true;
        return draftDist(node);
      });
    },
  };
  return ctx;
}

/** Runs one step (build + verify) and returns the emitted tokens: accepted draft tokens, then the bonus. */
export async function runStep(builder: TreeBuilder, c: StepCase, rng: Rng, verify: Verifier = verifyTree) {
  const tree = new TokenTree(c.context[c.context.length - 1]);
  const ctx = c.makeDraft ? c.makeDraft(tree, rng) : tableDraftContext(tree, c, rng);
  await builder(ctx);
  const at = distributionsOf(c).target.forTree(tree);
  const greedy = c.params.temperature === 0 ? (node: number) => argmax(at(node)) : null;
  const verdict = verify(tree, at, greedy, rng);
  return {
    tree,
    emitted: [...pathTokens(tree, verdict.acceptedPath[verdict.acceptedPath.length - 1]), verdict.bonusToken],
  };
}

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquare {
  statistic: number;
  df: number;
  pValue: number;
}

/** What `checkStepLaw` measured. */
export interface StepLawResult {
  /** The first emitted token against p(. | context). */
  first: ChiSquare;
  /** The first two tokens (the second from the target when the step emitted one) against the target's joint law. */
  joint: ChiSquare;
  /** Mean emitted tokens per step (to see that acceptance was non-trivial). */
  meanEmitted: number;
}

/**
 * Samples `samples` independent steps with a seeded stream and tests their law against the target's.
 * @param verify the verifier under test (default verifyTree)
 */
export async function checkStepLaw(
  options: StepCase & { builder: TreeBuilder; samples: number; seed: number; verify?: Verifier },
): Promise<StepLawResult> {
  const { builder, samples, target, context, params } = options;
  const vocab = options.vocab ?? target.vocabSize;
  const rng = new Rng(options.seed);
  const first = new Float64Array(vocab);
  const joint = new Float64Array(vocab * vocab); // [first, second]
  const firstLaw = targetDistribution(target, context, params, vocab);
  const secondLaws = Array.from(firstLaw, (_, a) => targetDistribution(target, [...context, a], params, vocab));
  let emittedTotal = 0;
  for (let s = 0; s < samples; s++) {
    const { emitted } = await runStep(builder, options, rng, options.verify);
    emittedTotal += emitted.length;
    const a = emitted[0];
    const b = emitted.length > 1 ? emitted[1] : sampleIndex(secondLaws[a], rng);
    first[a]++;
    joint[a * vocab + b]++;
  }
  const jointLaw = new Float64Array(vocab * vocab);
  for (let a = 0; a < vocab; a++)
    for (let b = 0; b < vocab; b++) jointLaw[a * vocab + b] = firstLaw[a] * secondLaws[a][b];
  return {
    first: chiSquareTest(first, firstLaw),
    joint: chiSquareTest(joint, jointLaw),
    meanEmitted: emittedTotal / samples,
  };
}

/**
 * Pearson's chi-square test of counts against probabilities. Cells expected fewer than 5 times are pooled into one;
 * a count in a cell of probability 0 gives p-value 0.
 */
export function chiSquareTest(counts: ArrayLike<number>, probs: ArrayLike<number>): ChiSquare {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  let statistic = 0;
  let cells = 0;
  let pooledCount = 0;
  let pooledExpected = 0;
  for (let i = 0; i < counts.length; i++) {
    const expected = n * probs[i];
    if (expected === 0 && counts[i] > 0) return { statistic: Infinity, df: 0, pValue: 0 };
    if (expected < 5) {
      pooledCount += counts[i];
      pooledExpected += expected;
      continue;
    }
    statistic += (counts[i] - expected) ** 2 / expected;
    cells++;
  }
  if (pooledExpected > 0) {
    statistic += (pooledCount - pooledExpected) ** 2 / pooledExpected;
    cells++;
  }
  const df = Math.max(cells - 1, 1);
  return { statistic, df, pValue: upperRegularizedGamma(df / 2, statistic / 2) };
}

/** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, continued fraction above (Numerical Recipes §6.2). */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; k++) {
      term *= x / (a + k);
      sum += term;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  // Lentz's method for the continued fraction of Γ(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(logPrefix) * h;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, n = 9). */
function logGamma(z: number): number {
  const g = 7;
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const zz = z - 1;
  let x = coef[0];
  for (let i = 1; i < g + 2; i++) x += coef[i] / (zz + i);
  const t = zz + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x);
}
