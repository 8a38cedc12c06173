/** fast-check arbitraries for random token trees (parents before children). */
import fc from 'fast-check';
import { TokenTree } from '../../src/core/tree';

/** [n] parent arrays: -1 for node 0, then each node's parent an earlier node. */
export function parentsArb(maxNodes = 16): fc.Arbitrary<number[]> {
  return fc
    .array(fc.nat(), { minLength: 0, maxLength: maxNodes - 1 })
    .map((raw) => [-1, ...raw.map((r, i) => r % (i + 1))]);
}

/** A TokenTree of the given shape with token ids drawn from [0, vocab) (sampledFrom is a dummy uniform). */
export function treeFromParents(parents: readonly number[], tokens: readonly number[], vocab: number): TokenTree {
  const tree = new TokenTree(tokens[0] % vocab);
  const uniform = new Float32Array(vocab).fill(1 / vocab);
  for (let i = 1; i < parents.length; i++) tree.add(parents[i], tokens[i] % vocab, uniform, 1 / vocab, 1);
  return tree;
}

/** Ancestors of `node` in `parents`, itself included. */
export function ancestorsOf(parents: readonly number[], node: number): Set<number> {
  const out = new Set<number>();
  for (let a = node; a >= 0; a = parents[a]) out.add(a);
  return out;
}
