import { describe, expect, it } from 'vitest';
import { dyspecGreedyBuilder } from '../../src/core/builders/dyspec';
import { dyspecThresholdBuilder } from '../../src/core/builders/dyspec-threshold';
import { InvalidSettingError } from '../../src/core/errors';
import type { SamplingParams } from '../../src/core/sampling';
import { canonicalTree, growTree } from '../helpers/draft-tree';
import { TableLm } from '../helpers/table-lm';
import { describeStepLaw } from '../helpers/step-law-suite';

const VOCAB = 16;
const draft = new TableLm({ vocab: VOCAB, order: 2, seed: 5, sharpness: 2.5 });
const PROMPT = [4, 9, 2];
const SAMPLED: SamplingParams = { temperature: 0.7, topP: 0.95, topK: 0 };
const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0 };

const options = (params: SamplingParams, seed: number) => ({ draft, prompt: PROMPT, params, vocab: VOCAB, seed });

/**
 * The keys the greedy variant popped, in pop order, read off its tree (as in dyspec.test.ts): node n was added by pop
 * n; a first child's event is keyed by its parent's estimate (1 at the root), a later child's by its elder sibling's
 * sibling event, v · (1 - R[y]).
 */
async function poppedKeys(budget: number, params: SamplingParams, seed: number): Promise<number[]> {
  const { tree } = await growTree(dyspecGreedyBuilder(budget), options(params, seed));
  const keys: number[] = [];
  for (let u = 0; u < tree.size; u++) {
    let v = tree.estimates[u];
    for (const c of tree.children[u]) {
      keys[c - 1] = v;
      v *= 1 - (tree.sampledFrom[c] as Float32Array)[tree.tokens[c]];
    }
  }
  return keys;
}

describe('dyspecThresholdBuilder', () => {
  it('with t = the m-th popped key, builds the same tree as the greedy variant with budget m (same seed)', async () => {
    let compared = 0;
    for (const params of [SAMPLED, GREEDY]) {
      for (const seed of [1, 2, 3]) {
        const keys = await poppedKeys(48, params, seed);
        for (const m of [1, 2, 5, 11, 20, 33, 48]) {
          // Keys tied with the m-th are all kept by the threshold variant; pick m where the tie cannot arise.
          if (m < keys.length && keys[m] === keys[m - 1]) continue;
          const greedy = await growTree(dyspecGreedyBuilder(m), options(params, seed));
          const threshold = await growTree(dyspecThresholdBuilder(keys[m - 1], 256), options(params, seed));
          expect(threshold.tree.size - 1).toBe(m);
          expect(canonicalTree(threshold.tree)).toEqual(canonicalTree(greedy.tree));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('drafts each layer in one call: as many calls as the tree is deep', async () => {
    for (const t of [0.3, 0.05, 0.01]) {
      const { tree, batches } = await growTree(dyspecThresholdBuilder(t, 256), options(SAMPLED, 7));
      expect(batches).toHaveLength(tree.maxDepth);
      batches.forEach((batch, d) => batch.forEach((n) => expect(tree.depths[n]).toBe(d)));
      // A node is expanded exactly when its first-child event clears the threshold.
      const expanded = new Set(batches.flat());
      for (let n = 0; n < tree.size; n++) expect(expanded.has(n)).toBe(tree.estimates[n] >= t);
    }
  });

  it('keeps the cap (and ctx.maxNodes), dropping the least likely events of the last layer', async () => {
    const full = await growTree(dyspecThresholdBuilder(0.002, 256), options(SAMPLED, 3));
    expect(full.tree.size - 1).toBeGreaterThan(20);
    const capped = await growTree(dyspecThresholdBuilder(0.002, 20), options(SAMPLED, 3));
    expect(capped.tree.size - 1).toBe(20);
    const byCtx = await growTree(dyspecThresholdBuilder(0.002, 256), { ...options(SAMPLED, 3), maxNodes: 20 });
    expect(canonicalTree(byCtx.tree)).toEqual(canonicalTree(capped.tree));
    // The capped tree is a subset of the full one, and what the last layer lost is no likelier than what it kept.
    const fullNodes = canonicalTree(full.tree);
    const cappedNodes = canonicalTree(capped.tree);
    for (const [path, node] of cappedNodes) expect(fullNodes.get(path)).toEqual(node);
    const lastDepth = capped.tree.maxDepth;
    const eventKey = (n: { estimate: number; token: number; sampledFrom: number[] }): number =>
      n.estimate / n.sampledFrom[n.token];
    const depthOf = (path: string): number => (path === '' ? 0 : path.split('.').length);
    const kept = [...cappedNodes].filter(([p]) => depthOf(p) === lastDepth).map(([, n]) => eventKey(n));
    const lost = [...fullNodes]
      .filter(([p]) => depthOf(p) === lastDepth && !cappedNodes.has(p))
      .map(([, n]) => eventKey(n));
    for (const [path] of fullNodes) if (depthOf(path) < lastDepth) expect(cappedNodes.has(path)).toBe(true);
    expect(lost.length).toBeGreaterThan(0); // this cap falls inside a layer
    expect(Math.max(...lost)).toBeLessThanOrEqual(Math.min(...kept) * (1 + 1e-9));
  });

  it('t = 1 drafts one token (only the first child of the root has key 1); bad settings are named', async () => {
    const { tree, batches } = await growTree(dyspecThresholdBuilder(1, 10), options(SAMPLED, 1));
    expect(tree.parents).toEqual([-1, 0]);
    expect(batches).toEqual([[0]]);
    expect(() => dyspecThresholdBuilder(1.5, 10)).toThrow(InvalidSettingError);
    expect(() => dyspecThresholdBuilder(Number.NaN, 10)).toThrow(/threshold must be in \[0, 1\]/);
    expect(() => dyspecThresholdBuilder(0.1, -3)).toThrow(/cap must be an integer/);
  });
});

describeStepLaw(() => dyspecThresholdBuilder(0.05, 16));
