/**
 * The decode loop: speculative decoding over token trees (Leviathan et al., 2023; SpecInfer, ASPLOS 2024), with the
 * autoregressive target-only baseline as the strategy `ar`.
 *
 * Each step (= one target call):
 *   1. the strategy's builder grows a tree under the root (the last token so far) with the draft, through a
 *      DraftContext whose cursor feeds the draft on the tree mask;
 *   2. the target scores the whole tree in ONE forward call (TreeCursor, tree attention);
 *   3. the verifier walks the tree (verify.ts) and returns the accepted path and the bonus token;
 *   4. both caches keep the accepted path's rows and drop the rest; accepted tokens and the bonus are appended.
 *
 * Cache invariant between steps: each model's cache holds a prefix `sequence[0 .. pastLength)` of the sequence; the
 * tokens after it except the last are that model's pending prefix, fed as a chain with its first batch next step
 * (the prompt at the start; for the draft also an accepted leaf it never saw). The last token is the next root.
 */
import { InvalidSettingError } from './errors';
import type { DraftContext, TreeBuilder } from './builders/types';
import { createDraftStep, type DraftStep } from './draft-context';
import type { LanguageModel } from './model';
import type { ContinuationIndex } from './ngram/continuations';
import { Rng } from './rng';
import { argmax, logitsToDistribution, validateSamplingParams, type SamplingParams } from './sampling';
import type { StepRecord, TreeRecord } from './step';
import { fixedPlanner, mostFrequentStrategy, type StepPlanner } from './planner';
import {
  formatStrategy,
  isResolved,
  MAX_TREE_NODES,
  parseStrategy,
  toStrategy,
  type DraftSourceName,
  type ResolvedStrategy,
} from './strategy';
import { TokenTree } from './tree';
import { TreeCursor } from './tree-cursor';
import { verifyTree } from './verify';

/** The part of an AbortSignal the loop reads (structural, so src/core needs no DOM types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

/** Why generation stopped. */
export type StopReason = 'max_tokens' | 'eos' | 'aborted';

/** Everything one generation needs. */
export interface GenerateOptions {
  /** The draft model; may be null for `ar` and for strategies that draft only from tables (`@context`, `@corpus`). */
  draft: LanguageModel | null;
  /** The corpus datastore of `@corpus` strategies. */
  datastore?: ContinuationIndex | null;
  target: LanguageModel;
  /** Prompt token ids (non-empty; its last token is the first root). */
  prompt: readonly number[];
  /** What each step runs (see planner.ts). */
  planner?: StepPlanner;
  /** Shorthand for `planner: fixedPlanner(strategy)`; an `auto` strategy needs a planner (the controller's). */
  strategy?: ResolvedStrategy | string;
  params: SamplingParams;
  /** New tokens to generate at most (>= 1). */
  maxNewTokens: number;
  /** Seed of the run's single random stream: the same seed gives the same run. */
  seed: number;
  /** Generation stops right after any of these (included in the output). */
  eosTokenIds?: readonly number[];
  /** Checked between steps and before every draft or target call; an abort returns the steps so far. */
  signal?: AbortSignalLike;
  /** Called (and awaited) after every step, in order. */
  onStep?: (step: StepRecord) => void | Promise<void>;
  /** Millisecond clock for the timings (default: a monotonic clock). */
  now?: () => number;
  /** Shared vocabulary distributions are taken over (default: the smaller vocabSize of the models given). */
  vocab?: number;
  /** Hard cap on draft nodes per tree, root excluded (default MAX_TREE_NODES). */
  maxNodes?: number;
}

/** What a generation produced. */
export interface GenerateResult {
  /** The new tokens (prompt excluded), cut right after EOS or at maxNewTokens. */
  tokens: number[];
  /** One record per target call. */
  steps: StepRecord[];
  stopReason: StopReason;
  /** The strategy most steps ran (an `auto` run's most chosen budget); null when no step ran. */
  strategy: ResolvedStrategy | null;
}

/** Milliseconds from a monotonic clock where the platform has one (Node >= 16 and browsers do), else Date.now. */
export function monotonicNow(): number {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance ? performance.now() : Date.now();
}

/**
 * Generates up to `maxNewTokens` tokens after `prompt`. Both models' caches are reset first.
 * @throws InvalidSettingError for unusable settings (checked before any model call)
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const setup = validateOptions(options);
  const { planner } = setup;
  const { target, prompt, maxNewTokens, signal, onStep } = options;
  const sources = planner.sources;
  const draft = sources.includes('model') ? options.draft : null;
  const ran: ResolvedStrategy[] = [];
  target.reset();
  options.draft?.reset();
  const loop: LoopContext = {
    draft,
    sources,
    corpus: options.datastore ?? null,
    target,
    builder: null,
    params: options.params,
    vocab: setup.vocab,
    positionLimit: setup.positionLimit,
    maxNodes: options.maxNodes ?? MAX_TREE_NODES,
    rng: new Rng(options.seed),
    now: options.now ?? monotonicNow,
    signal,
  };
  const eos = new Set(options.eosTokenIds ?? []);
  const sequence = [...prompt];
  const tokens: number[] = [];
  const steps: StepRecord[] = [];
  const finish = (stopReason: StopReason): GenerateResult => ({
    tokens,
    steps,
    stopReason,
    strategy: mostFrequentStrategy(ran),
  });
  for (;;) {
    if (signal?.aborted) return finish('aborted');
    const plan = await planner.next(steps);
    loop.builder = plan.builder;
    const record = await runStep(loop, sequence, steps.length);
    if (!record) return finish('aborted');
    const { emitted, stop } = cut(record.emitted, eos, maxNewTokens - tokens.length);
    record.emitted = emitted;
    tokens.push(...emitted);
    sequence.push(...emitted);
    steps.push(record);
    ran.push(plan.strategy);
    planner.observe(record);
    await onStep?.(record);
    if (stop) return finish(stop);
  }
}

/** A step's tokens (accepted, then the bonus) cut right after EOS or when `room` tokens have been emitted. */
function cut(proposed: readonly number[], eos: ReadonlySet<number>, room: number) {
  const emitted: number[] = [];
  for (const token of proposed) {
    emitted.push(token);
    if (eos.has(token)) return { emitted, stop: 'eos' as const };
    if (emitted.length >= room) return { emitted, stop: 'max_tokens' as const };
  }
  return { emitted, stop: null };
}

/** What every step of one generation shares. */
interface LoopContext {
  draft: LanguageModel | null;
  /** The strategy's draft sources (empty for `ar`). */
  sources: readonly DraftSourceName[];
  corpus: ContinuationIndex | null;
  target: LanguageModel;
  /** Null for `ar` (the tree is the root alone, no draft calls). */
  builder: TreeBuilder | null;
  params: SamplingParams;
  vocab: number;
  /** Smallest maxPositions of the models in use. */
  positionLimit: number;
  maxNodes: number;
  rng: Rng;
  now: () => number;
  signal: AbortSignalLike | undefined;
}

/**
 * One target call. `emitted` of the returned record holds every accepted token and the bonus, uncut.
 * @returns null when the signal aborted the step (both caches are left holding only committed rows)
 */
async function runStep(loop: LoopContext, sequence: number[], index: number): Promise<StepRecord | null> {
  const { target, params, vocab, rng, now } = loop;
  const start = now();
  const tree = new TokenTree(sequence[sequence.length - 1]);
  const draftStep = await draftTree(loop, tree, sequence);
  if (draftStep === 'aborted') return null;
  const drafted = now();

  const cursor = new TreeCursor(target, tree, sequence.slice(target.pastLength, -1));
  const { logits, stride } = await cursor.feed(tree.tokens.map((_, node) => node)); // [n, stride]
  const verified = now();

  const verdict = verifyTree(
    tree,
    (node) => logitsToDistribution(logits, params, vocab, node * stride),
    params.temperature === 0 ? (node) => argmax(logits, node * stride, vocab) : null,
    rng,
  );
  const walked = now();

  await cursor.commit(verdict.acceptedPath);
  if (draftStep) await draftStep.commit(verdict.acceptedPath);
  const committed = now();

  const draftMs = draftStep?.forwardMs ?? 0;
  return {
    index,
    tree: treeRecord(tree, verdict.targetProbs, draftStep),
    decisions: verdict.decisions,
    acceptedPath: verdict.acceptedPath,
    bonusToken: verdict.bonusToken,
    emitted: [...verdict.acceptedPath.slice(1).map((node) => tree.tokens[node]), verdict.bonusToken],
    draftCalls: draftStep?.calls ?? 0,
    timings: {
      draft: draftMs,
      verify: verified - drafted,
      tree: drafted - start - draftMs,
      commit: committed - walked,
      sampling: walked - verified,
      total: committed - start,
    },
  };
}

/**
 * Grows the step's tree with the draft (nothing for `ar`).
 * @returns the draft side of the step (null for `ar`), or 'aborted' after dropping the unfinished tree's draft rows
 */
async function draftTree(
  loop: LoopContext,
  tree: TokenTree,
  sequence: number[],
): Promise<DraftStep | null | 'aborted'> {
  const { builder, signal } = loop;
  if (!builder) return null;
  // Node positions are root + depth <= positionLimit - 1, and depth <= node count.
  const maxNodes = Math.min(loop.maxNodes, loop.positionLimit - sequence.length);
  const { params, vocab, rng, now, sources, corpus } = loop;
  const step = createDraftStep({
    sources,
    model: loop.draft,
    corpus,
    tree,
    sequence,
    params,
    vocab,
    rng,
    maxNodes,
    now,
  });
  if (!(await buildTree(builder, step, signal)) || signal?.aborted) {
    await step.commit([]);
    return 'aborted';
  }
  if (tree.size - 1 > maxNodes) {
    throw new Error(`the tree builder made ${tree.size - 1} nodes, over its cap of ${maxNodes}`);
  }
  return step;
}

/** Thrown inside a builder by a draft call after an abort; never escapes this file. */
class StepAborted extends Error {}

/**
 * Runs the builder with a draft context that checks the signal before every draft call.
 * @returns false when aborted
 */
async function buildTree(builder: TreeBuilder, step: DraftStep, signal: AbortSignalLike | undefined): Promise<boolean> {
  const guarded: DraftContext = {
    tree: step.tree,
    rng: step.rng,
    greedy: step.greedy,
    maxNodes: step.maxNodes,
    expand: (nodes) => (signal?.aborted ? Promise.reject(new StepAborted()) : step.expand(nodes)),
  };
  try {
    await builder(guarded);
    return true;
  } catch (error) {
    if (error instanceof StepAborted) return false;
    throw error;
  }
}

function treeRecord(tree: TokenTree, targetProbs: (number | null)[], draft: DraftStep | null): TreeRecord {
  return {
    sources: tree.tokens.map((_, node) => draft?.sourceOf(node) ?? null),
    tokens: tree.tokens.slice(),
    parents: tree.parents.slice(),
    ranks: tree.ranks.slice(),
    draftProbs: tree.draftProbs.slice(),
    estimates: tree.estimates.slice(),
    targetProbs,
  };
}

/** Checks every setting before any model call. */
function validateOptions(options: GenerateOptions): { planner: StepPlanner; vocab: number; positionLimit: number } {
  const { target, prompt, maxNewTokens, seed } = options;
  const planner = plannerOf(options);
  const named = options.strategy === undefined ? 'this run' : `strategy ${String(options.strategy)}`;
  validateSamplingParams(options.params);
  const sources = planner.sources;
  const draft = sources.includes('model') ? options.draft : null;
  if (sources.includes('model') && !draft) {
    throw new InvalidSettingError(
      'draft',
      `${named} needs a draft model; only "ar" and table sources (@context, @corpus) run without one`,
    );
  }
  if (sources.includes('corpus') && !options.datastore) {
    throw new InvalidSettingError('datastore', `${named} drafts from a corpus datastore, and none is loaded`);
  }
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new InvalidSettingError('maxNewTokens', `max new tokens must be an integer >= 1, got ${maxNewTokens}`);
  }
  if (!Number.isFinite(seed)) throw new InvalidSettingError('seed', `seed must be a finite number, got ${seed}`);
  // A draft given to `ar` still sets the vocabulary, so the baseline samples over the same ids as speculative runs.
  const modelVocab = Math.min(target.vocabSize, options.draft?.vocabSize ?? Infinity);
  const vocab = options.vocab ?? modelVocab;
  if (!Number.isInteger(vocab) || vocab < 1 || vocab > modelVocab) {
    throw new InvalidSettingError(
      'vocab',
      `vocab must be an integer from 1 to ${modelVocab} (the models' logits), got ${vocab}`,
    );
  }
  if (options.maxNodes !== undefined && (!Number.isInteger(options.maxNodes) || options.maxNodes < 1)) {
    throw new InvalidSettingError('maxNodes', `max tree nodes must be an integer >= 1, got ${options.maxNodes}`);
  }
  if (prompt.length === 0) throw new InvalidSettingError('prompt', 'the prompt must hold at least one token');
  const badToken = prompt.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (badToken !== undefined) {
    throw new InvalidSettingError('prompt', `prompt token ${badToken} is not an id in the vocabulary [0, ${vocab})`);
  }
  const positionLimit = Math.min(target.maxPositions, draft?.maxPositions ?? Infinity);
  if (prompt.length + maxNewTokens > positionLimit) {
    throw new InvalidSettingError(
      'maxNewTokens',
      `prompt (${prompt.length} tokens) + max new tokens (${maxNewTokens}) = ${prompt.length + maxNewTokens} ` +
        `exceeds the models' context of ${positionLimit} positions`,
    );
  }
  return { planner, vocab, positionLimit };
}

/** The run's planner: the one given, or a fixed one for a resolved `strategy`. */
function plannerOf(options: GenerateOptions): StepPlanner {
  if (options.planner) {
    if (options.strategy !== undefined)
      throw new InvalidSettingError('strategy', 'give a planner or a strategy, not both');
    return options.planner;
  }
  if (options.strategy === undefined)
    throw new InvalidSettingError('strategy', 'generate needs a strategy or a planner');
  const spec = typeof options.strategy === 'string' ? parseStrategy(options.strategy) : toStrategy(options.strategy);
  if (!isResolved(spec)) {
    throw new InvalidSettingError(
      'strategy',
      `${formatStrategy(spec)} chooses its budget on the device: run it through the controller (controller.ts), or ` +
        `give a node count, e.g. ${spec.kind}:16`,
    );
  }
  return fixedPlanner(spec);
}
