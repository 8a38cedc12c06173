/**
 * Acceptance rate at each tree depth, one line per strategy: how quickly acceptance decays along the path. Lines are
 * coloured by family (as in every chart) and dashed by draft sources; strategies of one family differ by marker.
 */
import { max, scaleLinear, symbol, symbolsFill } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { depthSeries, familyRanks, sourceDash } from '../layout/comparison';
import type { ComparisonRow } from '../layout/comparison';
import { familyColor } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, drawAxes, drawEmpty, drawLegend, topMarginWithLegend } from './chart-frame';

/** Props of DepthAcceptanceChart. */
export interface DepthAcceptanceChartProps {
  rows: ComparisonRow[];
  width?: number;
  height?: number;
}

const TITLE = 'Acceptance rate by depth';

/** Line chart of acceptance rate per depth (depth 1 = the root's children). */
export function DepthAcceptanceChart({ rows, width = 520, height = 320 }: DepthAcceptanceChartProps) {
  const ref = useRef<SVGGElement>(null);
  const series = useMemo(() => depthSeries(rows), [rows]);
  const description =
    series
      .map((s) => `${s.strategy}: ${s.points.map((p) => `d${p.depth} ${p.rate.toFixed(2)}`).join(', ')}`)
      .join('; ') || 'no data';

  useEffect(() => {
    if (!ref.current) return;
    const top = topMarginWithLegend(
      series.map((s) => s.strategy),
      width,
    );
    const frame = chartFrame(ref.current, width, height, TITLE, { top, right: 16, bottom: 44, left: 52 });
    if (series.length === 0) {
      drawEmpty(frame, 'No per-depth acceptance yet');
      return;
    }
    const maxDepth = Math.max(2, max(series, (s) => s.points[s.points.length - 1].depth) ?? 2);
    const x = scaleLinear().domain([1, maxDepth]).range([0, frame.innerWidth]);
    const y = scaleLinear().domain([0, 1]).range([frame.innerHeight, 0]);
    drawAxes(frame, x, y, {
      xLabel: 'depth in the tree',
      yLabel: 'acceptance rate',
      xTicks: Math.min(maxDepth - 1, 10),
      xFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
      yFormat: (v) => `${Math.round(v * 100)}%`,
    });
    const ranks = familyRanks(series.map((s) => s.family));
    const colored = series.map((s, i) => ({
      ...s,
      color: familyColor(s.family),
      dash: sourceDash(s.sources),
      marker: symbol(symbolsFill[ranks[i] % symbolsFill.length], 40)() ?? '',
    }));
    frame.plot
      .append('g')
      .attr('class', 'lines')
      .selectAll('path.series-line')
      .data(colored)
      .join('path')
      .attr('class', (s) => `series-line family-${s.family}`)
      .attr('fill', 'none')
      .attr('stroke', (s) => s.color)
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', (s) => s.dash)
      .attr('d', (s) => s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.depth)},${y(p.rate)}`).join(''));
    frame.plot
      .append('g')
      .attr('class', 'points')
      .selectAll('path.point')
      .data(
        colored.flatMap((s) => s.points.map((p) => ({ ...p, strategy: s.strategy, color: s.color, marker: s.marker }))),
      )
      .join('path')
      .attr('class', 'point')
      .attr('transform', (p) => `translate(${x(p.depth)},${y(p.rate)})`)
      .attr('d', (p) => p.marker)
      .attr('fill', (p) => p.color)
      .attr('stroke', '#ffffff')
      .append('title')
      .text((p) => `${p.strategy}: depth ${p.depth}, ${(p.rate * 100).toFixed(1)}% accepted`);
    drawLegend(
      frame,
      colored.map((s) => ({ label: s.strategy, color: s.color, dash: s.dash, marker: s.marker })),
    );
  }, [series, width, height]);

  return (
    <ChartSvg
      className="depth-chart"
      width={width}
      height={height}
      title={TITLE}
      description={description}
      plotRef={ref}
    />
  );
}
