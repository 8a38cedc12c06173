import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { TokenTree } from '../../src/core/tree';
import { verifyTree } from '../../src/core/verify';
import { chiSquareTest, SIGNIFICANCE } from '../helpers/exact-law';

const f32 = (xs: number[]) => Float32Array.from(xs);

/** An Rng whose next() replays fixed values (to hit exact branches). */
function fixedRng(values: number[]): Rng {
  const rng = new Rng(0);
  let i = 0;
  rng.next = () => values[i++ % values.length];
  return rng;
}

/** root(0) -> a(1) -> b(2); root -> c(3): children drawn without replacement from q. */
function smallTree(q: Float32Array): TokenTree {
  const tree = new TokenTree(9);
  const a = tree.add(0, 1, q, q[1], q[1]);
  tree.add(a, 2, q, q[2], q[1] * q[2]);
  const rest = q.slice();
  rest[1] = 0;
  const sumRest = rest.reduce((s, x) => s + x, 0);
  tree.add(
    0,
    3,
    rest.map((x) => x / sumRest),
    q[3],
    1,
  );
  return tree;
}

describe('verifyTree, temperature 0', () => {
  const q = f32([0.1, 0.4, 0.2, 0.3]);
  const noDist = () => {
    throw new Error('targetDist must not be called when greedy');
  };

  it('follows the children equal to the argmax and ends with the argmax at a leaf', () => {
    const argmaxAt = [1, 2, 0, 0]; // root -> 1 (node 1) -> 2 (node 2) -> leaf: bonus 0
    const v = verifyTree(smallTree(q), noDist, (node) => argmaxAt[node], new Rng(1));
    expect(v.acceptedPath).toEqual([0, 1, 2]);
    expect(v.bonusToken).toBe(0);
    expect(v.decisions).toEqual(['accepted', 'accepted', 'accepted', 'unvisited']);
    expect(v.targetProbs).toEqual([null, 1, 1, null]);
  });

  it('rejects every child that is not the argmax and emits the argmax', () => {
    const v = verifyTree(smallTree(q), noDist, () => 3, new Rng(1));
    expect(v.acceptedPath).toEqual([0, 3]);
    const w = verifyTree(smallTree(q), noDist, () => 0, new Rng(1));
    expect(w.acceptedPath).toEqual([0]);
    expect(w.bonusToken).toBe(0);
    expect(w.decisions).toEqual(['accepted', 'rejected', 'unvisited', 'rejected']);
    expect(w.targetProbs).toEqual([null, 0, null, 0]);
  });
});

describe('verifyTree, temperature > 0', () => {
  it('always accepts when the target equals the draft', () => {
    const q = f32([0.1, 0.4, 0.2, 0.3]);
    const rng = new Rng(4);
    const paths = Array.from({ length: 200 }, () => verifyTree(smallTree(q), () => q, null, rng).acceptedPath.join());
    expect(new Set(paths)).toEqual(new Set(['0,1,2']));
  });

  it('never accepts a token the target gives probability 0, and then samples the residual', () => {
    const q = f32([0.1, 0.4, 0.2, 0.3]);
    const p = f32([0.5, 0, 0.2, 0.3]);
    const tree = new TokenTree(9);
    tree.add(0, 1, q, q[1], q[1]);
    const rng = new Rng(5);
    const counts = new Float64Array(4);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = verifyTree(tree, () => p, null, rng);
      accepted += v.acceptedPath.length - 1;
      counts[v.bonusToken]++;
    }
    expect(accepted).toBe(0);
    // Residual norm((p - q)+) = [0.4, 0, 0, 0] / 0.4: always token 0.
    expect(Array.from(counts)).toEqual([20_000, 0, 0, 0]);
  });

  it('accepts with probability min(1, p/q) and otherwise emits from norm((p - q)+)', () => {
    // p = [0.5, 0.5], q = [1, 0]: accept token 0 half the time, else the residual is token 1.
    const tree = new TokenTree(0);
    tree.add(0, 0, f32([1, 0]), 1, 1);
    const rng = new Rng(6);
    const counts = new Float64Array(2);
    for (let i = 0; i < 20_000; i++) {
      const v = verifyTree(tree, () => f32([0.5, 0.5]), null, rng);
      const rejected = v.acceptedPath.length === 1;
      counts[rejected ? 1 : 0]++;
      if (rejected && v.bonusToken !== 1) throw new Error(`bonus ${v.bonusToken} outside the residual`);
    }
    expect(chiSquareTest(counts, [0.5, 0.5]).pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it('updates the residual across siblings (second child tested against norm((p - q)+))', () => {
    // q = [0.5, 0.5, 0], p = [0.2, 0.5, 0.3]; children: token 0 (from q), token 1 (from [0, 1, 0]).
    // Child 0 accepted w.p. 0.4; else R = norm([0, 0, 0.3]) -> child 1 is rejected, bonus 2.
    const q = f32([0.5, 0.5, 0]);
    const tree = new TokenTree(0);
    tree.add(0, 0, q, 0.5, 0.5);
    tree.add(0, 1, f32([0, 1, 0]), 0.5, 0.25);
    const v = verifyTree(tree, () => f32([0.2, 0.5, 0.3]), null, fixedRng([0.5, 0]));
    expect(v.acceptedPath).toEqual([0]);
    expect(v.bonusToken).toBe(2);
    expect(v.decisions).toEqual(['accepted', 'rejected', 'rejected']);
    expect(v.targetProbs[1]).toBeCloseTo(0.2, 6);
    expect(v.targetProbs[2]).toBeCloseTo(0.5, 6);
  });

  it('samples the bonus from p at a leaf, and reads p only for nodes the walk reaches', () => {
    const q = f32([0.25, 0.25, 0.25, 0.25]);
    const calls: number[] = [];
    const p = f32([0, 1, 0, 0]); // only token 1: node 1 accepted; node 2 (token 2) rejected at node 1
    const v = verifyTree(
      smallTree(q),
      (node) => {
        calls.push(node);
        return p;
      },
      null,
      new Rng(7),
    );
    expect(v.acceptedPath).toEqual([0, 1]);
    expect(v.bonusToken).toBe(1);
    expect(calls).toEqual([0, 1]);
    expect(v.decisions).toEqual(['accepted', 'accepted', 'rejected', 'unvisited']);
  });

  it('survives a rejection caused by rounding: a residual of zero mass falls back to R without the token', () => {
    const q = f32([0.50000006, 0.5]); // q[0] > p[0] by one float32 ulp, so a u close to 1 rejects
    const tree = new TokenTree(0);
    tree.add(0, 0, q, q[0], q[0]);
    const v = verifyTree(tree, () => f32([0.5, 0.5]), null, fixedRng([0.9999999999, 0.3]));
    expect(v.acceptedPath).toEqual([0]);
    expect(v.bonusToken).toBe(1);
    // Nothing left but the rejected token itself: R is kept.
    const lone = new TokenTree(0);
    lone.add(0, 0, f32([1, 0]), 1, 1);
    const w = verifyTree(lone, () => f32([0.99999994, 0]), null, fixedRng([0.9999999999, 0.3]));
    expect(w.bonusToken).toBe(0);
  });

  it('refuses a child whose token has no mass where it was drawn from', () => {
    const tree = new TokenTree(0);
    tree.add(0, 1, f32([1, 0]), 0, 0);
    expect(() => verifyTree(tree, () => f32([0.5, 0.5]), null, new Rng(1))).toThrow(/no mass/);
  });
});
