/**
 * Measured forward cost t(n)/t(1) of the target and the draft against the tokens per call (log scale), with each
 * strategy's operating point (its mean verify size) on the target's curve: how much a wider tree costs here.
 */
import { max, scaleLinear, scaleLog } from 'd3';
import { useEffect, useRef } from 'react';
import type { CostCurve, OperatingPoint } from '../layout/cost';
import { CHART_COLORS, SERIES_COLORS } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, drawAxes, drawEmpty, drawLegend } from './chart-frame';

/** Props of CostProfileChart. */
export interface CostProfileChartProps {
  curves: CostCurve[];
  points: OperatingPoint[];
  width?: number;
  height?: number;
}

const TITLE = 'Forward cost t(n) / t(1)';
const ROLE_COLORS = { target: SERIES_COLORS[0], draft: SERIES_COLORS[1] } as const;

/** Line chart of t(n)/t(1) per model with the strategies' operating points. */
export function CostProfileChart({ curves, points, width = 520, height = 300 }: CostProfileChartProps) {
  const ref = useRef<SVGGElement>(null);
  const description =
    curves.map((c) => `${c.role}: ${c.points.map((p) => `n=${p.n} ${p.ratio.toFixed(2)}x`).join(', ')}`).join('; ') +
    (points.length
      ? `; ${points.map((p) => `${p.strategy} at n=${p.n.toFixed(1)}, ${p.ratio.toFixed(2)}x`).join(', ')}`
      : '');

  useEffect(() => {
    if (!ref.current) return;
    const frame = chartFrame(ref.current, width, height, TITLE, { top: 40, right: 16, bottom: 44, left: 52 });
    if (curves.length === 0) {
      drawEmpty(frame, 'No latency profile (replayed trace or table drafts only)');
      return;
    }
    const all = curves.flatMap((c) => c.points);
    const x = scaleLog()
      .base(2)
      .domain([1, Math.max(2, max(all, (p) => p.n) ?? 2)])
      .range([0, frame.innerWidth]);
    const y = scaleLinear()
      .domain([0, Math.max(1.5, max([...all, ...points], (p) => p.ratio) ?? 1.5) * 1.05])
      .range([frame.innerHeight, 0]);
    drawAxes(frame, x, y, {
      xLabel: 'tokens per call (n)',
      yLabel: 't(n) / t(1)',
      xFormat: (v) => (Number.isInteger(Math.log2(v)) ? String(v) : ''),
      yFormat: (v) => `${v.toFixed(1)}x`,
    });
    frame.plot
      .append('g')
      .attr('class', 'lines')
      .selectAll('path')
      .data(curves)
      .join('path')
      .attr('class', (c) => `cost-line cost-${c.role}`)
      .attr('fill', 'none')
      .attr('stroke', (c) => ROLE_COLORS[c.role])
      .attr('stroke-width', 2)
      .attr('d', (c) => c.points.map((p, i) => `${i ? 'L' : 'M'}${x(p.n)},${y(p.ratio)}`).join(''));
    const marks = frame.plot
      .append('g')
      .attr('class', 'operating-points')
      .selectAll('g')
      .data(points)
      .join('g')
      .attr('transform', (p) => `translate(${x(Math.max(1, p.n))},${y(p.ratio)})`);
    marks.append('circle').attr('r', 4).attr('fill', CHART_COLORS.focus).attr('stroke', CHART_COLORS.text);
    marks
      .append('title')
      .text((p) => `${p.strategy}: ${p.n.toFixed(1)} tokens per verify, ${p.ratio.toFixed(2)}x t(1)`);
    drawLegend(frame, [
      ...curves.map((c) => ({ label: c.role, color: ROLE_COLORS[c.role] })),
      ...(points.length ? [{ label: 'strategies (mean verify size)', color: CHART_COLORS.focus }] : []),
    ]);
  }, [curves, points, width, height]);

  return (
    <ChartSvg
      className="cost-chart"
      width={width}
      height={height}
      title={TITLE}
      description={description}
      plotRef={ref}
    />
  );
}
