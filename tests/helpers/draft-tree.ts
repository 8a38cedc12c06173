/**
 * Runs one tree builder against a TableLm draft, outside the decode loop, and gives the tests what they need to
 * check the tree: every draft call's batch, the exact draft distribution at any node, and a canonical form of the
 * tree that does not depend on the order in which nodes were added.
 */
import type { TreeBuilder } from '../../src/core/builders/types';
import { createDraftStep } from '../../src/core/draft-context';
import { Rng } from '../../src/core/rng';
import { logitsToDistribution, type SamplingParams } from '../../src/core/sampling';
import { TokenTree } from '../../src/core/tree';
import type { TableLm } from './table-lm';

export interface GrowOptions {
  draft: TableLm;
  /** The sequence so far; its last token is the root. */
  prompt: readonly number[];
  params: SamplingParams;
  vocab: number;
  seed: number;
  maxNodes?: number;
}

export interface Grown {
  tree: TokenTree;
  /** Node batches passed to `expand`, in call order. */
  batches: number[][];
  /** The draft distribution a node's children are drawn from, computed independently of the builder: [vocab]. */
  draftDistAt(node: number): Float32Array;
}

export async function growTree(builder: TreeBuilder, options: GrowOptions): Promise<Grown> {
  const { draft, prompt, params, vocab } = options;
  draft.reset();
  const tree = new TokenTree(prompt[prompt.length - 1]);
  const step = createDraftStep({
    sources: ['model'],
    model: draft,
    corpus: null,
    tree,
    sequence: prompt,
    params,
    vocab,
    rng: new Rng(options.seed),
    maxNodes: options.maxNodes ?? 256,
    now: () => 0,
  });
  const batches: number[][] = [];
  await builder({
    tree,
    rng: step.rng,
    greedy: step.greedy,
    maxNodes: step.maxNodes,
    expand: (nodes) => {
      batches.push([...nodes]);
      return step.expand(nodes);
    },
  });
  // Mirrors draft-context.ts: at temperature 0 the tree is ranked by the plain softmax.
  const draftParams: SamplingParams = params.temperature === 0 ? { temperature: 1, topP: 1, topK: 0 } : params;
  const draftDistAt = (node: number): Float32Array => {
    const context = [...prompt.slice(0, -1), ...tree.pathTo(node).map((n) => tree.tokens[n])];
    return logitsToDistribution(draft.logitsFor(context), draftParams, vocab);
  };
  return { tree, batches, draftDistAt };
}

/** One node of a canonical tree: everything the builder decided about it. */
export interface CanonicalNode {
  token: number;
  draftProb: number;
  estimate: number;
  sampledFrom: number[];
}

/** The tree keyed by each node's path of sibling ranks from the root ('' = root, '0.1' = 2nd child of 1st child). */
export function canonicalTree(tree: TokenTree): Map<string, CanonicalNode> {
  const out = new Map<string, CanonicalNode>();
  for (let i = 0; i < tree.size; i++) {
    const key = tree
      .pathTo(i)
      .slice(1)
      .map((n) => tree.ranks[n])
      .join('.');
    const from = tree.sampledFrom[i];
    out.set(key, {
      token: tree.tokens[i],
      draftProb: tree.draftProbs[i],
      estimate: tree.estimates[i],
      sampledFrom: from ? Array.from(from) : [],
    });
  }
  return out;
}
