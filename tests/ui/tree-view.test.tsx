// @vitest-environment jsdom
import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SOURCE_COLORS, TOKEN_COLORS } from '../../src/ui/theme';
import { TreeView } from '../../src/ui/tree/TreeView';
import { EVIL, mixedStep, rootOnlyStep, sampleStep, tokenText } from './layout-fixtures';

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
});
