/**
 * The draft side of one step: a DraftContext whose `expand` gives each node a draft distribution from the
 * strategy's sources (draft network, prompt lookup, corpus datastore), with call counting and timing for the
 * metrics, and the record of which source drew each node.
 *
 * The source of a node's distribution (every child of the node, siblings included, is drawn from it):
 * - the table source (context, corpus) whose longest match for the node's context is longest, when that match has
 *   at least TABLE_MIN_MATCH tokens (ties: context before corpus);
 * - else the model, when the strategy lists it;
 * - else that best table source anyway, whose distribution then backs off to shorter matches or its unigram.
 * The choice depends only on the tokens before the node, never on a draw of this step, and each child keeps the
 * exact distribution it was drawn from, so the verifier stays exact whatever the mix.
 *
 * The model is fed through a TreeCursor. A node expanded by the model may have ancestors a table expanded; those
 * are fed in the same call (parents first), since the draft's tree mask needs every ancestor's row.
 */
import type { DraftContext } from './builders/types';
import type { LanguageModel } from './model';
import { interpolate, type ContinuationIndex, type TableDraft } from './ngram/continuations';
import { ContextIndex } from './ngram/context-index';
import type { Rng } from './rng';
import { logitsToDistribution, type SamplingParams } from './sampling';
import type { DraftSourceName } from './strategy';
import { TreeCursor } from './tree-cursor';
import type { TokenTree } from './tree';

/**
 * Shortest table match that a table source answers with when the model could answer instead. Measured on the project
 * prompts with the bundled pair (chain:2@context+corpus+model, tau at T = 0 / 0.8): 2 tokens 2.10 / 1.56, 3 tokens
 * 2.12 / 1.71, 4 tokens 2.17 / 1.88, 6 tokens 2.21 / 1.95; a longer minimum buys tau with more draft-model calls, and
 * 3 was the fastest of the four at both temperatures in that (noisy) run.
 */
export const TABLE_MIN_MATCH = 3;

/** Draft-side options of one step. */
export interface DraftStepOptions {
  /** The strategy's sources, canonical order. */
  sources: readonly DraftSourceName[];
  /** The draft network (needed when `sources` has 'model'). */
  model: LanguageModel | null;
  /** The corpus datastore (needed when `sources` has 'corpus'). */
  corpus: ContinuationIndex | null;
  tree: TokenTree;
  /** The sequence so far (prompt and output); its last token is the root. */
  sequence: readonly number[];
  params: SamplingParams;
  vocab: number;
  rng: Rng;
  maxNodes: number;
  now: () => number;
}

/** A DraftContext plus what the step needs afterwards. */
export interface DraftStep extends DraftContext {
  /** Draft network forward calls so far. */
  readonly calls: number;
  /** Milliseconds spent making draft distributions: network calls and table lookups. */
  readonly forwardMs: number;
  /** The source that drew node `node` (its parent's expansion); null for the root. */
  sourceOf(node: number): DraftSourceName | null;
  /** Keeps the accepted path in the draft network's cache (nothing to do for tables). */
  commit(path: readonly number[]): Promise<void>;
}

/**
 * The parameters the draft's distributions are made with. At temperature 0 the tree is ranked by the draft's plain
 * softmax; otherwise children are drawn from the draft under the same temperature / top-k / top-p as the target.
 * (Any q gives an exact verifier; matching the target's processing keeps acceptance high.)
 */
export function draftSamplingParams(params: SamplingParams): SamplingParams {
  return params.temperature === 0 ? { temperature: 1, topP: 1, topK: 0 } : params;
}

/** Builds the draft context of one step. */
export function createDraftStep(options: DraftStepOptions): DraftStep {
  const { tree, sequence, params, vocab, now } = options;
  const model = options.sources.includes('model') ? options.model : null;
  const cursor = model ? new TreeCursor(model, tree, sequence.slice(model.pastLength, -1)) : null;
  const tables = tableSources(options, sequence);
  const draftParams = draftSamplingParams(params);
  const expandedBy: (DraftSourceName | undefined)[] = [];
  let fed = false;

  const viaModel = async (nodes: readonly number[]): Promise<Float32Array[]> => {
    if (!cursor) throw new Error('no draft model to expand with');
    const batch = withUnfedAncestors(tree, cursor, nodes);
    const { logits, stride } = await cursor.feed(batch); // [batch, stride]
    fed = true;
    step.calls++;
    return nodes.map((node) => logitsToDistribution(logits, draftParams, vocab, batch.indexOf(node) * stride));
  };

  const step = {
    tree,
    rng: options.rng,
    greedy: params.temperature === 0,
    maxNodes: options.maxNodes,
    calls: 0,
    forwardMs: 0,
    async expand(nodes: readonly number[]): Promise<Float32Array[]> {
      if (nodes.length === 0) return [];
      const start = now();
      const out: Float32Array[] = new Array(nodes.length);
      const forModel: number[] = [];
      nodes.forEach((node, i) => {
        const best = bestTable(tables, tree, sequence, node, vocab);
        if (best && (best.draft.matchOrder >= TABLE_MIN_MATCH || !cursor)) {
          out[i] = best.draft.dist;
          expandedBy[node] = best.source;
        } else forModel.push(i);
      });
      if (forModel.length > 0) {
        const dists = await viaModel(forModel.map((i) => nodes[i]));
        forModel.forEach((i, j) => {
          out[i] = dists[j];
          expandedBy[nodes[i]] = 'model';
        });
      }
      step.forwardMs += now() - start;
      return out;
    },
    sourceOf(node: number): DraftSourceName | null {
      return node === 0 ? null : (expandedBy[tree.parents[node]] ?? null);
    },
    async commit(path: readonly number[]): Promise<void> {
      if (cursor && fed) await cursor.commit(path);
    },
  };
  return step;
}

/** The step's table sources, canonical order (context first). */
function tableSources(
  options: DraftStepOptions,
  sequence: readonly number[],
): { source: DraftSourceName; index: ContinuationIndex }[] {
  const out: { source: DraftSourceName; index: ContinuationIndex }[] = [];
  if (options.sources.includes('context')) out.push({ source: 'context', index: new ContextIndex(sequence) });
  if (options.sources.includes('corpus')) {
    if (!options.corpus) throw new Error('the corpus draft source needs a datastore');
    out.push({ source: 'corpus', index: options.corpus });
  }
  return out;
}

/** The table answer with the longest match at `node` (ties: the earlier source), or null without table sources. */
function bestTable(
  tables: readonly { source: DraftSourceName; index: ContinuationIndex }[],
  tree: TokenTree,
  sequence: readonly number[],
  node: number,
  vocab: number,
): { source: DraftSourceName; draft: TableDraft } | null {
  if (tables.length === 0) return null;
  let order = 0;
  for (const t of tables) order = Math.max(order, t.index.maxOrder);
  const context = contextTail(tree, sequence, node, order);
  // Match every source, then interpolate only the winner's distribution (the costly part is the vocabulary walk).
  let best = tables[0];
  let bestOrders = best.index.match(context);
  for (let i = 1; i < tables.length; i++) {
    const orders = tables[i].index.match(context);
    if (orders.length > bestOrders.length) [best, bestOrders] = [tables[i], orders];
  }
  return { source: best.source, draft: interpolate(best.index, bestOrders, vocab) };
}

/** The last `length` tokens of the sequence followed by the tree path below the root down to `node`. */
function contextTail(tree: TokenTree, sequence: readonly number[], node: number, length: number): number[] {
  const path: number[] = [];
  for (let n = node; n > 0 && path.length < length; n = tree.parents[n]) path.push(tree.tokens[n]);
  path.reverse();
  const fromSequence = Math.max(0, length - path.length);
  return [...sequence.slice(Math.max(0, sequence.length - fromSequence)), ...path];
}

/** `nodes` with every ancestor the cursor has not fed yet, in index order (parents before children). */
function withUnfedAncestors(tree: TokenTree, cursor: TreeCursor, nodes: readonly number[]): number[] {
  const batch = new Set<number>();
  for (const node of nodes) {
    for (let a = node; a >= 0 && cursor.rowOf(a) < 0 && !batch.has(a); a = tree.parents[a]) batch.add(a);
  }
  return [...batch].sort((a, b) => a - b);
}
