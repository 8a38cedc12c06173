// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetChart, CalibrationChart, DepthAcceptanceChart, SpeedupBarChart } from '../../src/ui/charts';
import { calibrationBins } from '../../src/ui/layout/calibration';
import { familyOf, strategySources } from '../../src/ui/layout/comparison';
import type { ComparisonRow } from '../../src/ui/layout/comparison';
import { FAMILY_COLORS, familyColor, strategyColor } from '../../src/ui/theme';
import { sampleStep } from './layout-fixtures';

afterEach(cleanup);

/**
 * A row as comparisonRows builds it; `as` is the strategy text its family and sources are read from when the shown
 * name is not one the grammar knows (long or hostile names the charts must still draw as text).
 */
const row = (
  strategy: string,
  budget: number,
  tau: number,
  speedup: number,
  rates: number[],
  as = strategy,
): ComparisonRow => ({
  strategy,
  family: familyOf(as),
  sources: strategySources(as),
  budget,
  tau,
  speedup,
  tokensPerSecond: 20 * speedup,
  acceptanceRatePerDepth: rates,
});

const ROWS: ComparisonRow[] = [
  row('ar', 0, 1, 1, []),
  row('chain:4', 4, 2.6, 1.5, [0.8, 0.7, 0.6, 0.5]),
  row('chain:8', 8, 3.1, 1.6, [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2]),
  row('tree:2x2x1', 10, 3.0, 1.7, [0.9, 0.7, 0.5]),
  row('sequoia:16', 16, 3.5, 1.9, [0.92, 0.75, 0.6, 0.4]),
  row('dyspec:16', 16, 3.7, 2.1, [0.93, 0.8, 0.62, 0.45, 0.3]),
  row('dyspec:32', 32, 4.1, 2.0, [0.95, 0.82, 0.66, 0.5, 0.35, 0.2]),
];

describe('SpeedupBarChart', () => {
  it('draws one bar per strategy, coloured by family, and the 1.0 line', () => {
    const { container } = render(<SpeedupBarChart rows={ROWS} />);
    const bars = container.querySelectorAll('rect.bar');
    expect(bars).toHaveLength(ROWS.length);
    expect(bars[5].getAttribute('fill')).toBe(FAMILY_COLORS.dyspec);
    expect(container.querySelectorAll('.reference-line')).toHaveLength(1);
    const svg = container.querySelector('svg')!;
    expect(svg.getAttribute('aria-label')).toBe('Speedup vs autoregressive decoding');
    expect(svg.querySelector('title')!.textContent).toBe('Speedup vs autoregressive decoding');
    expect(svg.querySelector('desc')!.textContent).toContain('dyspec:16: 2.10×');
    expect(container.querySelector('.x-label')!.textContent).toBe('speedup (×)');
    expect(container.querySelector('.y-label')!.textContent).toBe('strategy');
    // Longer bars for larger speedups; one strategy name per row.
    const w = (i: number) => Number(bars[i].getAttribute('width'));
    expect(w(5)).toBeGreaterThan(w(1));
    const ticks = Array.from(container.querySelectorAll('.y-axis .tick text')).map((t) => t.textContent);
    expect(ticks).toEqual(ROWS.map((r) => r.strategy));
  });

  it.each([1, 5, 13, 30])('keeps %i bars inside the plot area, one row each, clear of the labels', (n) => {
    const rows = Array.from({ length: n }, (_, i) =>
      row(`${ROWS[i % ROWS.length].strategy}#${i}`, i, 2, 0.8 + i / 10, [], ROWS[i % ROWS.length].strategy),
    );
    const { container } = render(<SpeedupBarChart rows={rows} width={360} />);
    const svg = container.querySelector('svg')!;
    const height = Number(svg.getAttribute('height'));
    const plot = /translate\(([\d.]+),([\d.]+)\)/.exec(container.querySelector('g.plot')!.getAttribute('transform')!)!;
    const [left, top] = [Number(plot[1]), Number(plot[2])];
    const axis = /translate\(0,([\d.]+)\)/.exec(container.querySelector('.x-axis')!.getAttribute('transform')!)!;
    const innerHeight = Number(axis[1]);
    expect(top + innerHeight).toBeLessThan(height);
    const bars = Array.from(container.querySelectorAll('rect.bar'));
    expect(bars).toHaveLength(n);
    let previousBottom = 0;
    for (const bar of bars) {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(bar.getAttribute(a)));
      expect(x).toBe(0); // bars start at the axis, right of the labels in the left margin
      expect(w).toBeGreaterThan(0);
      expect(left + w).toBeLessThanOrEqual(360);
      expect(y).toBeGreaterThanOrEqual(previousBottom);
      expect(y + h).toBeLessThanOrEqual(innerHeight);
      previousBottom = y + h;
    }
    expect(container.querySelectorAll('.y-axis .tick')).toHaveLength(n);
    // More rows, taller chart.
    expect(height).toBeGreaterThanOrEqual(n * 16);
  });

  it('shortens names that do not fit and keeps the full name as a tooltip', () => {
    const long = 'dyspec-t:0.05:64 on webgpu, a long label';
    const { container } = render(
      <SpeedupBarChart rows={[row('ar', 0, 1, 1, []), row(long, 8, 2, 1.4, [], 'dyspec-t:0.05:64')]} width={300} />,
    );
    const ticks = container.querySelectorAll('.y-axis .tick text');
    expect(ticks[0].textContent).toBe('ar');
    expect(ticks[1].firstChild!.textContent!.endsWith('…')).toBe(true);
    expect(ticks[1].querySelector('title')!.textContent).toBe(long);
    expect(container.querySelectorAll('rect.bar title')[1].textContent).toContain(long);
  });

  it('shows an empty state and keeps strategy names as text', () => {
    const { container, rerender } = render(<SpeedupBarChart rows={[]} />);
    expect(container.querySelectorAll('rect.bar')).toHaveLength(0);
    expect(container.querySelector('.empty')).not.toBeNull();
    rerender(<SpeedupBarChart rows={[row('<img src=x onerror=alert(1)>', 3, 2, 1.2, [], 'chain:3')]} />);
    expect(container.querySelectorAll('rect.bar')).toHaveLength(1);
    expect(container.querySelector('img')).toBeNull();
  });
});

describe('BudgetChart', () => {
  it('draws one line per family and one labelled point per speculative strategy', () => {
    const { container } = render(<BudgetChart rows={ROWS} metric="tau" />);
    const lines = container.querySelectorAll('path.series-line');
    expect(Array.from(lines).map((l) => l.getAttribute('class'))).toEqual([
      'series-line family-chain',
      'series-line family-tree',
      'series-line family-sequoia',
      'series-line family-dyspec',
    ]);
    expect(container.querySelectorAll('circle.point')).toHaveLength(6);
    expect(Array.from(container.querySelectorAll('text.point-label')).map((t) => t.textContent)).toContain('dyspec:32');
    expect(container.querySelectorAll('.legend-item')).toHaveLength(4);
    expect(container.querySelector('.y-label')!.textContent).toMatch(/τ/);
  });

  it('switches to speedup', () => {
    const { container } = render(<BudgetChart rows={ROWS.slice(0, 3)} metric="speedup" />);
    expect(container.querySelectorAll('path.series-line')).toHaveLength(1);
    expect(container.querySelectorAll('circle.point')).toHaveLength(2);
    expect(container.querySelector('svg')!.getAttribute('aria-label')).toBe('Speedup vs node budget');
  });
});

describe('DepthAcceptanceChart', () => {
  it('draws a line per strategy with per-depth rates and a point per depth', () => {
    const { container } = render(<DepthAcceptanceChart rows={ROWS} />);
    expect(container.querySelectorAll('path.series-line')).toHaveLength(6);
    const expectedPoints = ROWS.reduce((s, r) => s + r.acceptanceRatePerDepth.length, 0);
    expect(container.querySelectorAll('path.point')).toHaveLength(expectedPoints);
    expect(container.querySelectorAll('.legend-item')).toHaveLength(6);
    expect(container.querySelector('.x-label')!.textContent).toBe('depth in the tree');
  });
});

describe('CalibrationChart', () => {
  it('draws the diagonal and a point and bar per non-empty bin, sized by count', () => {
    const bins = calibrationBins([sampleStep(0), sampleStep(1), sampleStep(2, { decisions: sampleStep().decisions })]);
    const { container } = render(<CalibrationChart bins={bins} />);
    expect(container.querySelectorAll('line.diagonal')).toHaveLength(1);
    const points = container.querySelectorAll('circle.point');
    expect(points).toHaveLength(bins.filter((b) => b.count > 0).length);
    expect(container.querySelectorAll('rect.bin-bar')).toHaveLength(points.length);
    expect(container.querySelector('.sample-count')!.textContent).toMatch(/^12 examined/);
  });

  it('sizes points by count', () => {
    const bins = [
      { lo: 0, hi: 0.5, meanDraftProb: 0.3, acceptanceRate: 0.2, count: 5 },
      { lo: 0.5, hi: 1, meanDraftProb: 0.8, acceptanceRate: 0.9, count: 500 },
    ];
    const { container } = render(<CalibrationChart bins={bins} />);
    const r = Array.from(container.querySelectorAll('circle.point')).map((c) => Number(c.getAttribute('r')));
    expect(r[1]).toBeGreaterThan(r[0]);
  });
});

describe('one colour per strategy family', () => {
  const rows = [
    row('ar', 0, 1, 1, []),
    row('chain:1', 1, 1.7, 1.2, [0.7]),
    row('chain:2', 2, 2.2, 1.3, [0.75, 0.6]),
    row('tree:2x2', 6, 2.6, 1.4, [0.8, 0.6]),
    row('dyspec:8', 8, 2.98, 1.1, [0.85, 0.6, 0.4]),
    row('dyspec-cal:8', 8, 2.98, 1.05, [0.86, 0.62, 0.41]),
  ];
  /** The colour each chart gives a strategy: its bar, its depth line, its budget-chart point. */
  function coloursOf(strategy: string): string[] {
    const bars = render(<SpeedupBarChart rows={rows} />).container;
    const i = rows.findIndex((r) => r.strategy === strategy);
    const bar = bars.querySelectorAll('rect.bar')[i].getAttribute('fill')!;
    const depth = render(<DepthAcceptanceChart rows={rows} />).container;
    const line = depth.querySelectorAll('path.series-line')[i - 1].getAttribute('stroke')!; // ar has no depths
    const budget = render(<BudgetChart rows={rows} metric="tau" />).container;
    const labels = Array.from(budget.querySelectorAll('text.point-label'));
    const label = labels.find((t) => t.textContent === strategy)!.getAttribute('fill')!;
    cleanup();
    return [bar, line, label];
  }

  it('draws chain:1 and chain:2 in the chain colour in every chart, and other families in theirs', () => {
    const chain1 = coloursOf('chain:1');
    const chain2 = coloursOf('chain:2');
    expect(new Set([...chain1, ...chain2])).toEqual(new Set([familyColor('chain')]));
    expect(new Set(coloursOf('tree:2x2'))).toEqual(new Set([familyColor('tree')]));
    expect(new Set(coloursOf('dyspec-cal:8'))).toEqual(new Set([familyColor('dyspec-cal')]));
    expect(familyColor('chain')).not.toBe(familyColor('tree'));
    expect(strategyColor('chain:4@context')).toBe(familyColor('chain'));
  });

  it('tells strategies of one family apart by marker shape in the depth chart', () => {
    const { container } = render(<DepthAcceptanceChart rows={rows} />);
    const markers = Array.from(container.querySelectorAll('.legend-item')).map((g) => [
      g.textContent,
      g.querySelector('path.legend-marker')!.getAttribute('d'),
    ]);
    const shape = Object.fromEntries(markers);
    expect(shape['chain:1']).not.toBe(shape['chain:2']);
    expect(shape['chain:1']).toBe(shape['tree:2x2']); // first of its family: the same first shape
  });

  it('keeps the labels of coinciding points apart in the budget chart', () => {
    const { container } = render(<BudgetChart rows={rows} metric="tau" width={520} height={320} />);
    const label = (name: string) =>
      Array.from(container.querySelectorAll('text.point-label')).find((t) => t.textContent === name)!;
    const [a, b] = [label('dyspec:8'), label('dyspec-cal:8')];
    // Same budget and tau: one point for both. Their text boxes (11 px tall, 5.8 px a character) must not meet.
    const box = (t: Element) => {
      const x = Number(t.getAttribute('x'));
      const y = Number(t.getAttribute('y'));
      const w = t.textContent!.length * 5.8;
      const left = t.getAttribute('text-anchor') === 'end' ? x - w : x;
      return { left, right: left + w, top: y - 5.5, bottom: y + 5.5 };
    };
    const [p, q] = [box(a), box(b)];
    const apart = p.right <= q.left || q.right <= p.left || p.bottom <= q.top || q.bottom <= p.top;
    expect(apart, JSON.stringify([p, q])).toBe(true);
  });
});
