/** The pure geometry behind fitting the tree to its panel and keeping chart point labels apart. */
import { describe, expect, it } from 'vitest';
import { legendLayout } from '../../src/ui/layout/legend';
import { boxesOverlap, labelWidth, placePointLabels } from '../../src/ui/layout/point-labels';
import type { PointLabelRequest } from '../../src/ui/layout/point-labels';
import {
  fitTransform,
  fitTreeLayout,
  tooltipPlacement,
  treeViewGeometry,
  zoomScaleExtent,
} from '../../src/ui/layout/tree-layout';

/** A deterministic pseudo-random stream in [0, 1). */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** A chain of `depth` nodes under the root, with `fan` extra leaves under the root. */
function deepTree(depth: number, fan = 0): number[] {
  const parents = [-1];
  for (let d = 0; d < depth; d++) parents.push(d);
  for (let k = 0; k < fan; k++) parents.push(0);
  return parents;
}

/** The drawn extent of a fitted geometry in view pixels: every node, and its label room to the right. */
function drawnBox(g: ReturnType<typeof treeViewGeometry>) {
  const { k, x, y } = g.fit;
  return {
    left: x,
    top: y,
    right: x + k * g.layout.contentWidth,
    bottom: y + k * g.layout.contentHeight,
    nodes: g.layout.x.map((nx, i) => [x + k * nx, y + k * g.layout.y[i]] as const),
  };
}

describe('fitTransform', () => {
  it('scales a box that is too big down to fit, centred, and never scales a small one up', () => {
    const big = fitTransform({ width: 1000, height: 200 }, { width: 250, height: 300 });
    expect(big.k).toBeCloseTo(0.25);
    expect(big.x).toBeCloseTo(0);
    expect(big.y).toBeCloseTo((300 - 50) / 2);
    const small = fitTransform({ width: 100, height: 50 }, { width: 400, height: 300 });
    expect(small).toEqual({ k: 1, x: 150, y: 125 });
    const tall = fitTransform({ width: 100, height: 600 }, { width: 400, height: 300 });
    expect(tall.k).toBeCloseTo(0.5);
    expect(tall.y).toBeCloseTo(0);
  });
});

describe('treeViewGeometry', () => {
  it('shows every tree whole inside the view, at every width from a phone to a desktop', () => {
    const random = rng(3);
    for (const width of [240, 318, 390, 582, 876, 1200]) {
      for (const depth of [1, 3, 8, 16]) {
        const parents = deepTree(depth, Math.floor(random() * 12));
        const g = treeViewGeometry(parents, { width, height: 300, labelChars: 12 });
        const box = drawnBox(g);
        expect(box.left, `${width}/${depth}`).toBeGreaterThanOrEqual(-1e-6);
        expect(box.right, `${width}/${depth}`).toBeLessThanOrEqual(width + 1e-6);
        expect(box.top).toBeGreaterThanOrEqual(-1e-6);
        expect(box.bottom).toBeLessThanOrEqual(300 + 1e-6);
        for (const [nx, ny] of box.nodes) {
          expect(nx).toBeGreaterThanOrEqual(0);
          expect(nx).toBeLessThanOrEqual(width);
          expect(ny).toBeGreaterThanOrEqual(0);
          expect(ny).toBeLessThanOrEqual(300);
        }
      }
    }
  });

  it('keeps text at full size where the tree fits, and shrinks only trees wider than the view', () => {
    const shallow = treeViewGeometry(deepTree(2, 3), { width: 900, height: 300, labelChars: 12 });
    expect(shallow.fit.k).toBe(1);
    const deep = treeViewGeometry(deepTree(12), { width: 320, height: 300, labelChars: 12 });
    expect(deep.fit.k).toBeLessThan(1);
    // Scaled to the width exactly: the whole width is used, none is wasted.
    expect(deep.fit.k * deep.layout.contentWidth).toBeCloseTo(320);
  });

  it('spreads a shrunk tree’s rows over the view’s height instead of a thin strip', () => {
    const parents = deepTree(10, 24);
    const spread = (g: { layout: { y: number[] }; fit: { k: number } }) =>
      g.fit.k * (Math.max(...g.layout.y) - Math.min(...g.layout.y));
    const g = treeViewGeometry(parents, { width: 320, height: 300, labelChars: 12 });
    // Laid out once for the 300 px view and then shrunk to the width, the rows would bunch into a strip.
    const once = fitTreeLayout(parents, { width: 320, height: 300, labelChars: 12 });
    const onceFit = fitTransform({ width: once.contentWidth, height: once.contentHeight }, { width: 320, height: 300 });
    expect(spread(g)).toBeGreaterThan(1.5 * spread({ layout: once, fit: onceFit }));
    expect(spread(g)).toBeLessThanOrEqual(300);
  });
});

describe('zoom helpers', () => {
  it('lets the user zoom out past the fit and in to 4x', () => {
    expect(zoomScaleExtent(0.3)).toEqual([0.15, 4]);
    expect(zoomScaleExtent(1)).toEqual([0.5, 4]);
  });

  it('puts a tooltip on the side of the node with room, inside the view', () => {
    const left = tooltipPlacement(40, 100, 320);
    expect(left.left).toBe(54);
    expect(left.right).toBeUndefined();
    expect(left.left! + left.maxWidth).toBeLessThanOrEqual(320);
    const right = tooltipPlacement(300, 100, 320);
    expect(right.left).toBeUndefined();
    expect(right.right).toBe(34);
    expect(320 - right.right! - right.maxWidth).toBeGreaterThanOrEqual(0);
    expect(right.top).toBe(110);
  });
});

describe('legendLayout', () => {
  it('wraps entries into rows no wider than the room it is given', () => {
    const labels = ['root (previous token)', 'accepted draft token', 'rejected draft token', 'not examined'];
    for (const width of [200, 300, 700]) {
      const { items, height } = legendLayout(labels, width, { charWidth: 7 });
      for (const [i, item] of items.entries()) {
        const end = item.x + 18 + labels[i].length * 7;
        expect(end, `${width}: ${labels[i]}`).toBeLessThanOrEqual(width);
      }
      expect(height).toBe((Math.max(...items.map((it) => it.y)) / 18 + 1) * 18);
    }
  });
});

describe('placePointLabels', () => {
  const request = (x: number, y: number, text: string): PointLabelRequest => ({
    x,
    y,
    width: labelWidth(text, 5.8),
    height: 11,
  });

  it('separates the labels of points that coincide (dyspec:8 and dyspec-cal:8 in the tau chart)', () => {
    const placed = placePointLabels([request(200, 120, 'dyspec:8'), request(201, 121, 'dyspec-cal:8')], {
      width: 400,
      height: 260,
    });
    expect(boxesOverlap(placed[0].box, placed[1].box)).toBe(false);
    // Each stays next to its own point.
    for (const [i, p] of placed.entries()) expect(Math.abs(p.y - [120, 121][i])).toBeLessThan(30);
  });

  it('leaves a lone label at its natural place, right of and above its point', () => {
    const [p] = placePointLabels([request(100, 100, 'chain:4')], { width: 400, height: 260 });
    expect(p).toMatchObject({ x: 105, y: 92, anchor: 'start' });
  });

  it('flips a label left of its point at the plot’s right edge', () => {
    const [p] = placePointLabels([request(395, 100, 'sequoia:32')], { width: 400, height: 260 });
    expect(p.anchor).toBe('end');
    expect(p.box.right).toBeLessThanOrEqual(400);
    expect(p.box.left).toBeGreaterThanOrEqual(0);
  });

  it('never overlaps two labels or a label and a point, and stays in the plot, when there is room', () => {
    const random = rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(random() * 10);
      const requests = Array.from({ length: n }, (_, i) =>
        request(20 + random() * 300, 20 + random() * 200, `dyspec:${i * 7}`),
      );
      const placed = placePointLabels(requests, { width: 400, height: 260 });
      for (let i = 0; i < n; i++) {
        expect(placed[i].box.top).toBeGreaterThanOrEqual(0);
        expect(placed[i].box.bottom).toBeLessThanOrEqual(260);
        for (let j = 0; j < n; j++) {
          const marker = {
            left: requests[j].x - 4,
            top: requests[j].y - 4,
            right: requests[j].x + 4,
            bottom: requests[j].y + 4,
          };
          expect(boxesOverlap(placed[i].box, marker), `trial ${trial}: label ${i} on point ${j}`).toBe(false);
          if (j > i) expect(boxesOverlap(placed[i].box, placed[j].box), `trial ${trial}: ${i} vs ${j}`).toBe(false);
        }
      }
    }
  });
});
