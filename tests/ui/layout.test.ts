import { describe, expect, it } from 'vitest';
import { displayToken, formatProb } from '../../src/ui/layout/display-token';
import { legendLayout } from '../../src/ui/layout/legend';
import { describeNode, stepTreeNodes } from '../../src/ui/layout/step-tree';
import { emittedKinds } from '../../src/ui/layout/token-stream';
import { fitTreeLayout, linkPath, nodeRadius, parseTranslate, tidyTreeLayout } from '../../src/ui/layout/tree-layout';
import { EVIL, sampleStep, tokenText } from './layout-fixtures';

/** A random tree stored parents-before-children. */
function randomParents(n: number, seed: number): number[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => (i === 0 ? -1 : Math.floor(rand() * i)));
}

describe('tidyTreeLayout', () => {
  it('gives every node finite coordinates, depth on x, children right of parents', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const parents = randomParents(40, seed);
      const l = tidyTreeLayout(parents, { dx: 50, dy: 20 });
      for (let i = 0; i < parents.length; i++) {
        expect(Number.isFinite(l.x[i]) && Number.isFinite(l.y[i])).toBe(true);
        expect(l.x[i]).toBe(l.depth[i] * 50);
        if (parents[i] >= 0) {
          expect(l.depth[i]).toBe(l.depth[parents[i]] + 1);
          expect(l.x[i]).toBeGreaterThan(l.x[parents[i]]);
        }
      }
    }
  });

  it('keeps nodes of the same depth at least one row apart and siblings in sampling order', () => {
    for (const seed of [7, 8, 9]) {
      const parents = randomParents(60, seed);
      const l = tidyTreeLayout(parents, { dy: 10 });
      const byDepth = new Map<number, number[]>();
      l.depth.forEach((d, i) => byDepth.set(d, [...(byDepth.get(d) ?? []), l.y[i]]));
      for (const ys of byDepth.values()) {
        const sorted = [...ys].sort((a, b) => a - b);
        for (let k = 1; k < sorted.length; k++) expect(sorted[k] - sorted[k - 1]).toBeGreaterThanOrEqual(10 - 1e-9);
      }
      for (const kids of l.children) {
        for (let k = 1; k < kids.length; k++) expect(l.y[kids[k]]).toBeGreaterThan(l.y[kids[k - 1]]);
      }
    }
  });

  it('centres a parent over its children and counts leaves', () => {
    const l = tidyTreeLayout([-1, 0, 0, 1, 1]);
    expect(l.leaves).toBe(3);
    expect(l.maxDepth).toBe(2);
    expect(l.y[1]).toBe((l.y[3] + l.y[4]) / 2);
    expect(l.y[0]).toBe((l.y[1] + l.y[2]) / 2);
    expect(l.height).toBe(2);
    expect(l.width).toBe(2);
  });

  it('handles a lone root and rejects parents that come after their children', () => {
    const one = tidyTreeLayout([-1]);
    expect(one.x).toEqual([0]);
    expect(one.y).toEqual([0]);
    expect(() => tidyTreeLayout([-1, 2, 0])).toThrow(RangeError);
    expect(() => tidyTreeLayout([0])).toThrow(RangeError);
  });
});

describe('fitTreeLayout', () => {
  it('fits a small tree in the box and grows a big one', () => {
    const small = fitTreeLayout([-1, 0, 0, 1], { width: 600, height: 300 });
    expect(small.contentWidth).toBe(600);
    expect(small.contentHeight).toBe(300);
    for (let i = 0; i < 4; i++) {
      expect(small.x[i]).toBeGreaterThanOrEqual(0);
      expect(small.x[i]).toBeLessThanOrEqual(600);
      expect(small.y[i]).toBeGreaterThanOrEqual(0);
      expect(small.y[i]).toBeLessThanOrEqual(300);
    }
    const wide = Array.from({ length: 101 }, (_, i) => (i === 0 ? -1 : 0));
    const big = fitTreeLayout(wide, { width: 400, height: 200, minDy: 16 });
    expect(big.dy).toBe(16);
    expect(big.contentHeight).toBeGreaterThanOrEqual(100 * 16);
    expect(Math.max(...big.y)).toBeLessThanOrEqual(big.contentHeight);
  });
});

describe('displayToken', () => {
  it('makes whitespace and control characters visible', () => {
    expect(displayToken(' the')).toBe('␣the');
    expect(displayToken('\n\n')).toBe('⏎⏎');
    expect(displayToken('\t\r')).toBe('⇥␍');
    expect(displayToken('')).toBe('∅');
    expect(displayToken('a\u200bb')).toBe('a⟨U+200B⟩b');
    expect(displayToken('\u0000')).toBe('⟨U+0000⟩');
    expect(displayToken('héllo 😀')).toBe('héllo␣😀');
    expect(displayToken(EVIL)).toBe('<img␣src=x␣onerror=alert(1)>');
  });

  it('cuts long labels by code point', () => {
    expect(displayToken('abcdefgh', 5)).toBe('abcd…');
    expect(displayToken('😀😀😀😀', 3)).toBe('😀😀…');
    expect(displayToken('abc', 3)).toBe('abc');
  });

  it('formats probabilities', () => {
    expect(formatProb(0.5)).toBe('0.500');
    expect(formatProb(null)).toBe('—');
    expect(formatProb(Number.NaN)).toBe('—');
    expect(formatProb(0.00001)).toBe('1.0e-5');
  });
});

describe('node geometry helpers', () => {
  it('sizes nodes by draft probability', () => {
    expect(nodeRadius(0)).toBe(4);
    expect(nodeRadius(1)).toBe(11);
    expect(nodeRadius(0.25)).toBeGreaterThan(nodeRadius(0.1));
    expect(nodeRadius(null)).toBe(7.5);
  });
  it('parses translate transforms', () => {
    expect(parseTranslate('translate(12.5,-3)')).toEqual([12.5, -3]);
    expect(parseTranslate('translate(4 5)')).toEqual([4, 5]);
    expect(parseTranslate('translate(7)')).toEqual([7, 0]);
    expect(parseTranslate('scale(2)')).toBeNull();
    expect(parseTranslate(null)).toBeNull();
  });
  it('draws horizontal links', () => {
    expect(linkPath(0, 0, 10, 20)).toBe('M0,0C5,0 5,20 10,20');
  });
  it('wraps legend rows', () => {
    const { items, height } = legendLayout(['aaaa', 'bbbb', 'cccc'], 100, { charWidth: 10, swatch: 10, gap: 0 });
    expect(items.map((i) => [i.x, i.y])).toEqual([
      [0, 0],
      [50, 0],
      [0, 18],
    ]);
    expect(height).toBe(36);
  });
});

describe('stepTreeNodes', () => {
  it('classifies nodes and attaches the bonus to the last accepted node', () => {
    const nodes = stepTreeNodes(sampleStep(), tokenText);
    expect(nodes.map((n) => n.kind)).toEqual([
      'root',
      'accepted',
      'unvisited',
      'rejected',
      'accepted',
      'unvisited',
      'rejected',
      'bonus',
    ]);
    expect(nodes.filter((n) => n.onPath).map((n) => n.id)).toEqual([0, 1, 4]);
    const bonus = nodes[7];
    expect(bonus.parent).toBe(4);
    expect(bonus.tokenId).toBe(17);
    expect(bonus.emitted).toBe(true);
    expect(nodes[4].label).toBe('⏎');
    expect(nodes[5].text).toBe(EVIL);
  });

  it('marks a bonus cut by EOS as not emitted and describes nodes', () => {
    const nodes = stepTreeNodes(sampleStep(0, { emitted: [11, 14] }), tokenText);
    expect(nodes[7].emitted).toBe(false);
    expect(describeNode(nodes[7]).join('\n')).toMatch(/not emitted/);
    const lines = describeNode(nodes[3]);
    expect(lines).toContain('draft q = 0.500');
    expect(lines).toContain('target p = 0.100');
    expect(lines).toContain('rank 0 among siblings');
    expect(lines.join('\n')).toMatch(/rejected/);
    expect(describeNode(nodes[2]).join('\n')).not.toMatch(/target p/);
  });

  it('rejects mismatched arrays', () => {
    const bad = sampleStep();
    bad.decisions = bad.decisions.slice(1);
    expect(() => stepTreeNodes(bad, tokenText)).toThrow(RangeError);
  });
});

describe('emittedKinds', () => {
  it('splits accepted draft tokens from the bonus', () => {
    expect(emittedKinds(sampleStep())).toEqual(['accepted', 'accepted', 'bonus']);
    expect(emittedKinds(sampleStep(0, { emitted: [11] }))).toEqual(['accepted']);
    expect(emittedKinds(sampleStep(0, { acceptedPath: [0], emitted: [12] }))).toEqual(['bonus']);
  });
});
