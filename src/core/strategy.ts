/**
 * The decoding strategy as text (URL hash, CLI flag, trace) and as a value, and the tree builder each one runs.
 *
 * Grammar (case-insensitive, surrounding spaces ignored):
 *
 *   ar                     target only, one token per target call (the baseline)
 *   chain:G                G draft tokens in a chain (Leviathan et al., 2023)
 *   tree:B1xB2x...         fixed tree, B1 children of the root, B2 under each of those, ... (SpecInfer)
 *   sequoia:N[:D]          Sequoia-optimal tree of N draft nodes, depth <= D (default: unbounded) (Sequoia, NeurIPS 2024)
 *   sequoia:auto           the same with N chosen for the device
 *   dyspec:N               DySpec greedy dynamic tree of N draft nodes (DySpec, arXiv 2410.11744)
 *   dyspec:auto            the same with N chosen for the device
 *   dyspec-cal:N           calibrated DySpec: the same heap keyed by expected acceptance, learned from the run
 *   dyspec-cal:auto        the same with N chosen for the device (re-chosen before every step)
 *   dyspec-t:T[:CAP]       DySpec threshold tree: expand while the estimate is >= T, at most CAP nodes (default 64)
 *
 * Node counts exclude the root (the last committed token) and are limited to MAX_TREE_NODES.
 *
 * Every strategy but `ar` may name where its draft distributions come from after an `@`, several joined by `+`:
 *
 *   @model                 the draft network (the default when no `@` is given)
 *   @context               prompt lookup: continuations in the prompt and the text generated so far
 *   @corpus                a corpus datastore (the one shipped with the pair, or one built from the user's text)
 *   @context+model, ...    hybrid: each node is expanded by the table source with the longest match of at least
 *                          TABLE_MIN_MATCH tokens, else by the model (see draft-context.ts)
 *
 * e.g. `chain:4@context`, `dyspec-cal:auto@context+corpus+model`. Sources are kept in the canonical order
 * context, corpus, model, which is also the tie-break between table sources.
 */
import { chainBuilder } from './builders/chain';
import { dyspecGreedyBuilder } from './builders/dyspec';
import { dyspecCalibratedBuilder, type AcceptanceEstimate } from './builders/dyspec-calibrated';
import { dyspecThresholdBuilder } from './builders/dyspec-threshold';
import { fixedTreeBuilder } from './builders/fixed';
import { optimalSequoiaShape, sequoiaBuilder } from './builders/sequoia';
import type { TreeBuilder } from './builders/types';
import { InvalidSettingError } from './errors';

/** Most draft nodes (root excluded) any strategy may put in one tree. */
export const MAX_TREE_NODES = 256;

/** Node cap of `dyspec-t:T` when no CAP is given. */
export const DEFAULT_THRESHOLD_CAP = 64;

/**
 * Per-rank acceptance used to shape `sequoia:N` trees when none is measured: entry k is the probability that the
 * target accepts the (k+1)-th sampled child of a node (typical of a small same-family draft at temperature ~0.7).
 * Replace it with the vector measured from traces (accepted children by sibling rank) for the models in use.
 */
export const DEFAULT_SEQUOIA_ACCEPTANCE: readonly number[] = [0.5, 0.15, 0.08, 0.05, 0.03, 0.02, 0.015, 0.01];

/** Where draft distributions come from, in canonical order. */
export const DRAFT_SOURCES = ['context', 'corpus', 'model'] as const;

/** One draft source: the draft network, the context (prompt lookup) or a corpus datastore. */
export type DraftSourceName = (typeof DRAFT_SOURCES)[number];

/** The sources of a strategy written without `@`. */
export const DEFAULT_SOURCES: readonly DraftSourceName[] = ['model'];

/** Draft sources of a speculative strategy; absent means DEFAULT_SOURCES. */
interface Sourced {
  sources?: readonly DraftSourceName[];
}

/** A strategy whose node budget is `B`: `number | 'auto'` as written, `number` once resolved. */
export type StrategyWith<B> =
  | { kind: 'ar' }
  | ({ kind: 'chain'; gamma: number } & Sourced)
  | ({ kind: 'tree'; branching: number[] } & Sourced)
  | ({ kind: 'sequoia'; budget: B; maxDepth: number | null } & Sourced)
  | ({ kind: 'dyspec'; budget: B } & Sourced)
  | ({ kind: 'dyspec-cal'; budget: B } & Sourced)
  | ({ kind: 'dyspec-t'; threshold: number; cap: number } & Sourced);

/** A strategy a step can run: every budget is a node count. */
export type ResolvedStrategy = StrategyWith<number>;

/** An `auto` strategy as written: its budget is chosen per step by the controller (controller.ts). */
export type AutoStrategy = Extract<StrategyWith<'auto'>, { kind: AutoKind }>;

/** A strategy as written (URL, CLI flag): resolved, or `auto`. */
export type Strategy = ResolvedStrategy | AutoStrategy;

/** The strategy kinds, in the order the UI lists them. */
export const STRATEGY_KINDS = ['ar', 'chain', 'tree', 'sequoia', 'dyspec', 'dyspec-cal', 'dyspec-t'] as const;

/** The strategy kinds that take an `auto` budget. */
export type AutoKind = 'sequoia' | 'dyspec' | 'dyspec-cal';

/** Options for turning a strategy into a tree builder. */
export interface BuilderOptions {
  /** Per-rank acceptance for `sequoia:N` (default DEFAULT_SEQUOIA_ACCEPTANCE). */
  acceptance?: readonly number[];
  /** P(accepted | reached) by draft probability for `dyspec-cal:N` (default: the identity, DySpec's assumption). */
  acceptanceEstimate?: AcceptanceEstimate;
}

/**
 * Parses strategy text.
 * @throws InvalidSettingError('strategy') naming the offending value
 */
export function parseStrategy(text: string): Strategy {
  const [shape, sourceText, ...extra] = text.trim().toLowerCase().split('@');
  if (extra.length > 0) throw bad(`"${text}": at most one '@' (sources are joined by '+', e.g. @context+model)`);
  const spec = parseShape(shape, text);
  if (sourceText === undefined) return spec;
  if (spec.kind === 'ar') throw bad(`"${text}": ar drafts nothing, so it takes no '@' sources`);
  const sources = parseSources(sourceText, text);
  return sameSources(sources, DEFAULT_SOURCES) ? spec : { ...spec, sources };
}

/** The draft sources of a strategy (none for `ar`). */
export function sourcesOf(spec: Strategy): readonly DraftSourceName[] {
  return spec.kind === 'ar' ? [] : (spec.sources ?? DEFAULT_SOURCES);
}

/** The strategy's tree shape and budget as text, without its sources (e.g. `dyspec:8` for `dyspec:8@context`). */
export function formatShape(spec: Strategy): string {
  return formatStrategy(spec.kind === 'ar' ? spec : { ...spec, sources: undefined });
}

function sameSources(a: readonly DraftSourceName[], b: readonly DraftSourceName[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** `context+model`: known names, each once, returned in canonical order. */
function parseSources(text: string, whole: string): DraftSourceName[] {
  const names = text.split('+').map((s) => s.trim());
  for (const name of names) {
    if (!(DRAFT_SOURCES as readonly string[]).includes(name)) {
      throw bad(`"${whole}": unknown draft source "${name}"; expected ${DRAFT_SOURCES.join(', ')} (joined by '+')`);
    }
  }
  if (new Set(names).size !== names.length) throw bad(`"${whole}": a draft source is named twice`);
  return DRAFT_SOURCES.filter((s) => names.includes(s));
}

function parseShape(shape: string, text: string): Strategy {
  const parts = shape.split(':');
  const [kind, ...args] = parts;
  const arity = (min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      throw bad(`"${text}": ${kind} takes ${min === max ? min : `${min} to ${max}`} argument(s) after ':'`);
    }
  };
  switch (kind) {
    case 'ar':
      arity(0, 0);
      return { kind: 'ar' };
    case 'chain':
      arity(1, 1);
      return { kind: 'chain', gamma: parseCount(args[0], 'chain length', MAX_TREE_NODES) };
    case 'tree':
      arity(1, 1);
      return { kind: 'tree', branching: parseBranching(args[0]) };
    case 'sequoia':
      arity(1, 2);
      if (args[0] === 'auto') {
        if (args.length > 1) throw bad(`"${text}": sequoia:auto takes no depth`);
        return { kind: 'sequoia', budget: 'auto', maxDepth: null };
      }
      return {
        kind: 'sequoia',
        budget: parseCount(args[0], 'sequoia node budget', MAX_TREE_NODES),
        maxDepth: args.length > 1 ? parseCount(args[1], 'sequoia depth', MAX_TREE_NODES) : null,
      };
    case 'dyspec':
    case 'dyspec-cal':
      arity(1, 1);
      return {
        kind,
        budget: args[0] === 'auto' ? 'auto' : parseCount(args[0], `${kind} node budget`, MAX_TREE_NODES),
      };
    case 'dyspec-t':
      arity(1, 2);
      return {
        kind: 'dyspec-t',
        threshold: parseThreshold(args[0]),
        cap: args.length > 1 ? parseCount(args[1], 'dyspec-t node cap', MAX_TREE_NODES) : DEFAULT_THRESHOLD_CAP,
      };
    default:
      throw bad(`unknown strategy "${kind}" in "${text}"; expected one of ${STRATEGY_KINDS.join(', ')}`);
  }
}

/** The text of a strategy; `parseStrategy(formatStrategy(s))` equals `s` for every valid `s`. */
export function formatStrategy(spec: Strategy): string {
  const sources = sourcesOf(spec);
  const shape = formatBareShape(spec);
  return spec.kind === 'ar' || sameSources(sources, DEFAULT_SOURCES) ? shape : `${shape}@${sources.join('+')}`;
}

function formatBareShape(spec: Strategy): string {
  switch (spec.kind) {
    case 'ar':
      return 'ar';
    case 'chain':
      return `chain:${spec.gamma}`;
    case 'tree':
      return `tree:${spec.branching.join('x')}`;
    case 'sequoia':
      return `sequoia:${spec.budget}${spec.maxDepth === null ? '' : `:${spec.maxDepth}`}`;
    case 'dyspec':
    case 'dyspec-cal':
      return `${spec.kind}:${spec.budget}`;
    case 'dyspec-t':
      return `dyspec-t:${spec.threshold}${spec.cap === DEFAULT_THRESHOLD_CAP ? '' : `:${spec.cap}`}`;
  }
}

/** Accepts a parsed strategy or its text. */
export function toStrategy(spec: Strategy | string): Strategy {
  return typeof spec === 'string' ? parseStrategy(spec) : parseStrategy(formatStrategy(spec)); // validates values too
}

/** Nodes of a fixed tree with this branching vector: b0 + b0·b1 + b0·b1·b2 + ... */
export function branchingNodes(branching: readonly number[]): number {
  let level = 1;
  let total = 0;
  for (const b of branching) {
    level *= b;
    total += level;
  }
  return total;
}

/**
 * Draft nodes per step a strategy asks for (`ar`: 0), or null where only a run can tell: `auto` budgets and
 * threshold trees.
 */
export function nodeBudget(spec: Strategy): number | null {
  switch (spec.kind) {
    case 'ar':
      return 0;
    case 'chain':
      return spec.gamma;
    case 'tree':
      return branchingNodes(spec.branching);
    case 'sequoia':
    case 'dyspec':
    case 'dyspec-cal':
      return spec.budget === 'auto' ? null : spec.budget;
    case 'dyspec-t':
      return null;
  }
}

/** True for `sequoia:auto`, `dyspec:auto` and `dyspec-cal:auto`. */
export function isAutoStrategy(spec: Strategy): spec is AutoStrategy {
  return (spec.kind === 'sequoia' || spec.kind === 'dyspec' || spec.kind === 'dyspec-cal') && spec.budget === 'auto';
}

/**
 * True for the DySpec heaps (`dyspec`, `dyspec-cal`): they pop nodes in a fixed order, so the first m nodes of a
 * budget-M tree are the budget-m tree, and one run's steps show what every smaller budget would have accepted.
 */
export function isPrefixConsistent(spec: Strategy): boolean {
  return spec.kind === 'dyspec' || spec.kind === 'dyspec-cal';
}

/** True when every budget of the strategy is a node count (it is not `auto`). */
export function isResolved(spec: Strategy): spec is ResolvedStrategy {
  return !isAutoStrategy(spec);
}

/**
 * Parses strategy text that must run as written (tests, tools that build trees directly).
 * @throws InvalidSettingError('strategy') for bad text or an `auto` budget
 */
export function parseResolvedStrategy(text: string): ResolvedStrategy {
  const spec = parseStrategy(text);
  if (!isResolved(spec)) throw bad(`${spec.kind}:auto has no node count until the controller chooses one per step`);
  return spec;
}

/**
 * The strategy one step of an `auto` run executes: the chosen node budget, or `ar` for budget 0 (the controller
 * chose not to speculate this step).
 * @throws InvalidSettingError('strategy') when the budget is out of range
 */
export function withBudget(spec: AutoStrategy, budget: number): ResolvedStrategy {
  if (budget === 0) return { kind: 'ar' };
  const resolved = spec.kind === 'sequoia' ? { ...spec, budget, maxDepth: null } : { ...spec, budget };
  const checked = toStrategy(resolved); // range-checks the budget
  if (!isResolved(checked)) throw bad(`budget ${budget} is not a node count`);
  return checked;
}

/**
 * The tree builder that runs a strategy. `ar` gets a builder that drafts nothing.
 * @throws InvalidSettingError('strategy') for an unresolved `auto` budget
 */
export function builderFor(spec: ResolvedStrategy, options: BuilderOptions = {}): TreeBuilder {
  const written = spec as Strategy; // the types rule `auto` out; a cast (or plain JS) must still fail loudly
  if (isAutoStrategy(written)) throw bad(`${written.kind}:auto must be resolved to a node count first (withBudget)`);
  switch (spec.kind) {
    case 'ar':
      return async () => {};
    case 'chain':
      return chainBuilder(spec.gamma);
    case 'tree':
      return fixedTreeBuilder(spec.branching);
    case 'sequoia': {
      const acceptance = [...(options.acceptance ?? DEFAULT_SEQUOIA_ACCEPTANCE)];
      return sequoiaBuilder(optimalSequoiaShape(acceptance, spec.budget, spec.maxDepth ?? spec.budget));
    }
    case 'dyspec':
      return dyspecGreedyBuilder(spec.budget);
    case 'dyspec-cal':
      return dyspecCalibratedBuilder(spec.budget, options.acceptanceEstimate ?? identity);
    case 'dyspec-t':
      return dyspecThresholdBuilder(spec.threshold, spec.cap);
  }
}

function identity(q: number): number {
  return q;
}

function bad(message: string): InvalidSettingError {
  return new InvalidSettingError('strategy', message);
}

/** A whole number in [1, max]. */
function parseCount(text: string | undefined, what: string, max: number): number {
  const value = /^\d+$/.test(text ?? '') ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw bad(`${what} must be a whole number from 1 to ${max}, got "${text ?? ''}"`);
  }
  return value;
}

/** `B1xB2x...`: whole numbers >= 1 whose tree has at most MAX_TREE_NODES draft nodes. */
function parseBranching(text: string | undefined): number[] {
  const fields = (text ?? '').split('x');
  const branching = fields.map((field) => {
    const value = /^\d+$/.test(field) ? Number(field) : NaN;
    if (!(value >= 1)) throw bad(`tree branching "${text ?? ''}": "${field}" is not a whole number >= 1`);
    return value;
  });
  const nodes = branchingNodes(branching);
  if (nodes > MAX_TREE_NODES) {
    throw bad(`tree branching "${text}" makes ${nodes} draft nodes, more than the limit of ${MAX_TREE_NODES}`);
  }
  return branching;
}

/** A decimal number strictly between 0 and 1. */
function parseThreshold(text: string | undefined): number {
  const value = /^(\d+\.?\d*|\.\d+)(e-?\d+)?$/.test(text ?? '') ? Number(text) : NaN;
  if (!(value > 0 && value < 1)) throw bad(`dyspec-t threshold must be a number in (0, 1), got "${text ?? ''}"`);
  return value;
}
