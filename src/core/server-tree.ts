/**
 * A static token tree for a serving engine, from what this playground measured: the Sequoia-optimal shape of a
 * chosen budget for the measured per-rank acceptance (builders/sequoia.ts), written as
 *
 * - vLLM: `speculative_config.speculative_token_tree`, a Python literal list of tuples, one per draft node, each the
 *   path of sibling ranks from the root (`(0,)` the first child of the root, `(0, 1)` its second child), ordered by
 *   depth then path; `num_speculative_tokens` equals the number of nodes. vLLM uses it with its tree attention
 *   backend for EAGLE-style proposers (vllm/config/speculative.py, docs.vllm.ai "Speculative Decoding").
 * - SGLang: its EAGLE trees are built per step from the draft's top-k, so no static shape can be given; the
 *   closest settings are `--speculative-num-steps` (the depth), `--speculative-eagle-topk` (the widest branching)
 *   and `--speculative-num-draft-tokens` (nodes verified per step, the root included: the budget + 1), as in
 *   SGLang's documented chain setting (steps 3, topk 1, draft tokens 4).
 */
import { optimalSequoiaShape } from './builders/sequoia';
import { InvalidSettingError } from './errors';

/** The exported tree and the settings for each engine. */
export interface ServerTree {
  budget: number;
  /** p_k the shape was optimised for. */
  acceptance: number[];
  /** Expected accepted draft tokens per step under that acceptance (tau - 1). */
  expectedAccepted: number;
  /** [budget + 1] parent of each node, -1 for the root. */
  parents: number[];
  /** [budget] rank path of each draft node, ordered by depth then path. */
  paths: number[][];
  vllm: { speculative_config: { num_speculative_tokens: number; speculative_token_tree: string } };
  sglang: { speculative_num_steps: number; speculative_eagle_topk: number; speculative_num_draft_tokens: number };
}

/** Rank paths of a shape's nodes (root excluded), in depth-then-path order. */
export function rankPaths(parents: readonly number[]): number[][] {
  const paths: number[][] = [[]];
  const children = new Map<number, number>();
  for (let i = 1; i < parents.length; i++) {
    const rank = children.get(parents[i]) ?? 0;
    children.set(parents[i], rank + 1);
    paths.push([...paths[parents[i]], rank]);
  }
  return paths.slice(1).sort((a, b) => a.length - b.length || compareLex(a, b));
}

function compareLex(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Python's repr of a list of int tuples: `[(0,), (0, 1)]`. */
export function pythonTuples(paths: readonly (readonly number[])[]): string {
  return `[${paths.map((p) => (p.length === 1 ? `(${p[0]},)` : `(${p.join(', ')})`)).join(', ')}]`;
}

/** The Sequoia-optimal tree of `budget` nodes (depth <= maxDepth) for `acceptance`, in both engines' terms. */
export function serverTree(acceptance: readonly number[], budget: number, maxDepth = budget): ServerTree {
  if (!Number.isInteger(budget) || budget < 1) {
    throw new InvalidSettingError('budget', `a server tree needs at least 1 draft node, got ${budget}`);
  }
  const shape = optimalSequoiaShape(acceptance, budget, maxDepth);
  const paths = rankPaths(shape.parents);
  const depth = paths.reduce((d, p) => Math.max(d, p.length), 0);
  const topk = paths.reduce((k, p) => Math.max(k, p[p.length - 1] + 1), 0);
  return {
    budget,
    acceptance: [...acceptance],
    expectedAccepted: shape.expectedAcceptedLength,
    parents: shape.parents,
    paths,
    vllm: { speculative_config: { num_speculative_tokens: paths.length, speculative_token_tree: pythonTuples(paths) } },
    sglang: { speculative_num_steps: depth, speculative_eagle_topk: topk, speculative_num_draft_tokens: budget + 1 },
  };
}
