// @vitest-environment jsdom
import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SOURCE_COLORS, TOKEN_COLORS } from '../../src/ui/theme';
import { TreeView } from '../../src/ui/tree/TreeView';
import type { StepRecord } from '../../src/core/step';
import { EVIL, mixedStep, rootOnlyStep, sampleStep, tokenText } from './layout-fixtures';

/** A chain of `depth` accepted draft tokens (labels at full length): far wider than a phone at full size. */
function deepStep(depth: number): StepRecord {
  const n = depth + 1;
  const tokens = Array.from({ length: n }, (_, i) => 100 + i);
  return {
    ...sampleStep(),
    tree: {
      sources: tokens.map((_, i) => (i === 0 ? null : 'model')),
      tokens,
      parents: tokens.map((_, i) => i - 1),
      ranks: tokens.map(() => 0),
      draftProbs: tokens.map(() => 0.5),
      estimates: tokens.map(() => 0.5),
      targetProbs: tokens.map(() => null),
    },
    decisions: tokens.map(() => 'accepted'),
    acceptedPath: tokens.map((_, i) => i),
    emitted: [...tokens.slice(1), 17],
  };
}

/** Reads `translate(x,y) scale(k)`. */
function zoomOf(container: HTMLElement): { x: number; y: number; k: number } {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([\d.e-]+)\)/.exec(
    container.querySelector('g.zoom')!.getAttribute('transform')!,
  )!;
  return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
}

const longText = (id: number): string => (id >= 100 ? ` word${id}xxxx` : tokenText(id));

afterEach(cleanup);

describe('TreeView', () => {
  it('draws one node group and circle per tree node plus the bonus', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    const nodes = container.querySelectorAll('g.nodes g.node');
    expect(nodes).toHaveLength(8);
    expect(container.querySelectorAll('g.nodes circle')).toHaveLength(8);
    expect(container.querySelectorAll('g.links path.link')).toHaveLength(7);
    const bonus = container.querySelectorAll('g.node.node-bonus');
    expect(bonus).toHaveLength(1);
    expect(bonus[0].getAttribute('data-node')).toBe('7');
    expect(bonus[0].textContent).toBe('␣mat');
    for (const n of nodes) expect(n.getAttribute('transform')).toMatch(/^translate\([\d.]+,[\d.]+\)$/);
  });

  it('marks the accepted path, rejected and unvisited nodes with classes', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    const ids = (selector: string) =>
      Array.from(container.querySelectorAll(selector)).map((e) => Number(e.getAttribute('data-node')));
    expect(ids('g.node.on-path')).toEqual([0, 1, 4]);
    expect(ids('g.node.node-rejected')).toEqual([3, 6]);
    expect(ids('g.node.node-unvisited')).toEqual([2, 5]);
    expect(container.querySelectorAll('path.link.on-path')).toHaveLength(2);
    expect(container.querySelectorAll('path.link.link-bonus')).toHaveLength(1);
    // Children are drawn right of their parents.
    const x = (id: number) =>
      Number(
        /translate\(([\d.]+)/.exec(
          container.querySelector(`g.node[data-node="${id}"]`)!.getAttribute('transform')!,
        )![1],
      );
    expect(x(1)).toBeGreaterThan(x(0));
    expect(x(7)).toBeGreaterThan(x(4));
  });

  it('renders malicious token text as text, never as markup', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    expect(container.querySelector('img')).toBeNull();
    const evil = container.querySelector('g.node[data-node="5"] text')!;
    expect(evil.textContent).toBe('<img␣src=x␣…');
    expect(evil.children).toHaveLength(0);
    fireEvent.focus(container.querySelector('g.node[data-node="5"]')!);
    const tip = container.querySelector('[role="tooltip"]')!;
    expect(tip.textContent).toContain(JSON.stringify(EVIL));
    expect(container.querySelector('img')).toBeNull();
  });

  it('shows a tooltip on hover and focus with q, p, rank, estimate and decision', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    const node3 = container.querySelector('g.node[data-node="3"]')!;
    expect(node3.getAttribute('tabindex')).toBe('0');
    expect(node3.getAttribute('aria-label')).toMatch(/rejected/);
    fireEvent.mouseEnter(node3);
    const tip = container.querySelector('[role="tooltip"]')!;
    expect(tip.textContent).toContain('draft q = 0.500');
    expect(tip.textContent).toContain('target p = 0.100');
    expect(tip.textContent).toContain('rank 0');
    expect(tip.textContent).toContain('estimate 0.300');
    expect(tip.textContent).toContain('rejected by the target');
    expect(node3.classList.contains('active')).toBe(true);
    fireEvent.mouseLeave(node3);
    expect(container.querySelector('[role="tooltip"]')).toBeNull();
  });

  it('keeps the tooltip when the parent passes a new tokenText function on every render', () => {
    const step = sampleStep();
    const { container, rerender } = render(<TreeView step={step} tokenText={(id) => tokenText(id)} />);
    fireEvent.mouseEnter(container.querySelector('g.node[data-node="1"]')!);
    rerender(<TreeView step={step} tokenText={(id) => tokenText(id)} />);
    expect(container.querySelector('[role="tooltip"]')!.textContent).toContain('" cat"');
    rerender(<TreeView step={sampleStep(1)} tokenText={(id) => tokenText(id)} />);
    expect(container.querySelector('[role="tooltip"]')).toBeNull();
  });

  it('moves focus between nodes with the arrow keys', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    const node = (id: number) => container.querySelector<SVGGElement>(`g.node[data-node="${id}"]`)!;
    act(() => node(0).focus());
    fireEvent.keyDown(node(0), { key: 'ArrowRight' });
    expect(document.activeElement).toBe(node(1));
    fireEvent.keyDown(node(1), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(node(2));
    fireEvent.keyDown(node(2), { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(node(0));
  });

  it('redraws for a new step, including a lone root with its bonus', () => {
    const { container, rerender } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    rerender(<TreeView step={rootOnlyStep(1, 12)} tokenText={tokenText} />);
    expect(container.querySelectorAll('g.node')).toHaveLength(2);
    expect(container.querySelector('g.node.node-bonus')!.textContent).toBe('␣dog');
    expect(container.querySelector('svg')!.getAttribute('aria-label')).toMatch(/step 1: 0 draft nodes/);
  });

  it('animates between steps when motion is allowed and ends at the laid-out positions', async () => {
    const matchMedia = vi.fn(() => ({ matches: false }));
    Object.defineProperty(window, 'matchMedia', { value: matchMedia, configurable: true });
    try {
      const { container, rerender } = render(<TreeView step={rootOnlyStep(0, 11)} tokenText={tokenText} />);
      rerender(<TreeView step={sampleStep(1)} tokenText={tokenText} />);
      expect(matchMedia).toHaveBeenCalled();
      expect(container.querySelectorAll('g.node')).toHaveLength(8);
      await new Promise((resolve) => setTimeout(resolve, 450));
      const nodes = Array.from(container.querySelectorAll('g.node'));
      for (const n of nodes) expect(n.getAttribute('opacity')).toBe('1');
      const xs = nodes.map((n) => Number(/translate\(([\d.]+)/.exec(n.getAttribute('transform')!)![1]));
      expect(new Set(xs).size).toBe(4);
    } finally {
      Reflect.deleteProperty(window, 'matchMedia');
    }
  });

  it('has a legend', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} width={800} />);
    const legend = container.querySelector('g.legend')!;
    expect(legend.textContent).toContain('accepted draft token');
    expect(legend.textContent).toContain('target (bonus) token');
    expect(legend.textContent).toContain('rejected draft token');
  });

  it('rings nodes drawn by table sources in their colour, names the source on hover, and lists present sources', () => {
    const { container } = render(<TreeView step={mixedStep()} tokenText={tokenText} width={900} />);
    const node = (id: number) => container.querySelector(`g.node[data-node="${id}"]`)!;
    expect(node(1).classList.contains('source-context')).toBe(true);
    expect(node(4).classList.contains('source-corpus')).toBe(true);
    expect(node(5).classList.contains('source-model')).toBe(true);
    expect(node(0).getAttribute('class')).not.toMatch(/source-/);
    expect(node(7).getAttribute('class')).not.toMatch(/source-/); // the bonus: drawn by the target
    expect(node(1).querySelector('circle')!.getAttribute('stroke')).toBe(SOURCE_COLORS.context);
    expect(node(4).querySelector('circle')!.getAttribute('stroke')).toBe(SOURCE_COLORS.corpus);
    // The model's nodes keep their kind's plain outline (an unvisited node's grey one here): no ring.
    expect(node(5).querySelector('circle')!.getAttribute('stroke')).toBe(TOKEN_COLORS.unvisited);
    expect(node(5).querySelector('circle')!.getAttribute('stroke-width')).toBe('1.5');
    expect(node(1).getAttribute('aria-label')).toMatch(/drawn by the context lookup/);
    fireEvent.mouseEnter(node(4));
    expect(container.querySelector('[role="tooltip"]')!.textContent).toContain('drawn by the corpus datastore');
    const sources = Array.from(container.querySelectorAll('g.legend .legend-source')).map((g) => g.textContent);
    expect(sources).toEqual(['context lookup (ring)', 'corpus datastore (ring)', 'draft model (no ring)']);
  });

  it('lists only the sources present: a model-only tree has one source entry', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} width={900} />);
    const sources = Array.from(container.querySelectorAll('g.legend .legend-source')).map((g) => g.textContent);
    expect(sources).toEqual(['draft model (no ring)']);
    const lone = render(<TreeView step={rootOnlyStep(0, 11)} tokenText={tokenText} width={900} />);
    expect(lone.container.querySelectorAll('g.legend .legend-source')).toHaveLength(0);
  });

  it('fits a tree wider than its view: the SVG keeps the view’s width and the drawing is scaled into it', () => {
    const { container } = render(<TreeView step={deepStep(12)} tokenText={longText} width={320} height={380} />);
    const svg = container.querySelector('svg')!;
    expect(svg.getAttribute('width')).toBe('320');
    const { x, k } = zoomOf(container);
    expect(k).toBeLessThan(1);
    // Every node, scaled and shifted, lands inside the 320 px view.
    for (const node of container.querySelectorAll('g.node')) {
      const nx = Number(/translate\(([\d.]+)/.exec(node.getAttribute('transform')!)![1]);
      expect(x + k * nx).toBeGreaterThanOrEqual(0);
      expect(x + k * nx).toBeLessThanOrEqual(320);
    }
    expect(container.querySelector('[data-testid="tree-zoom"]')!.textContent).toBe(`${Math.round(k * 100)}%`);
    // The legend wraps to the view's width instead of running off it.
    const rows = new Set(
      Array.from(container.querySelectorAll('g.legend-item')).map((g) => g.getAttribute('transform')!.split(',')[1]),
    );
    expect(rows.size).toBeGreaterThan(1);
  });

  it('zooms with the buttons and returns to the fit with “Fit”', () => {
    const { container, getByRole, getByTestId, rerender } = render(
      <TreeView step={deepStep(12)} tokenText={longText} width={320} height={380} />,
    );
    const fit = zoomOf(container);
    expect((getByTestId('tree-fit') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(getByRole('button', { name: 'Zoom in on the tree' }));
    expect(zoomOf(container).k).toBeCloseTo(fit.k * 1.4);
    expect((getByTestId('tree-fit') as HTMLButtonElement).disabled).toBe(false);
    // A new step keeps the user's zoom.
    const zoomed = zoomOf(container).k;
    rerender(<TreeView step={{ ...deepStep(11), index: 1 }} tokenText={longText} width={320} height={380} />);
    expect(zoomOf(container).k).toBeCloseTo(zoomed);
    fireEvent.click(getByRole('button', { name: 'Zoom out of the tree' }));
    expect(zoomOf(container).k).toBeCloseTo(zoomed / 1.4);
    fireEvent.click(getByRole('button', { name: 'Zoom in on the tree' }));
    fireEvent.click(getByTestId('tree-fit'));
    // Back to the fit of the tree on screen: what a fresh view of that step shows.
    const fresh = render(
      <TreeView step={{ ...deepStep(11), index: 1 }} tokenText={longText} width={320} height={380} />,
    );
    expect(zoomOf(container)).toEqual(zoomOf(fresh.container));
    expect(zoomOf(container).k).not.toBeCloseTo(zoomed);
    expect(container.querySelector<HTMLButtonElement>('[data-testid="tree-fit"]')!.disabled).toBe(true);
  });

  it('draws a small tree at full size', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} width={900} />);
    expect(zoomOf(container).k).toBe(1);
  });
});
