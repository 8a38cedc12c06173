/** Speedup vs the autoregressive run, one bar per strategy, with the 1.0 (no speedup) line. */
import { max, scaleBand, scaleLinear } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import type { ComparisonRow } from '../layout/comparison';
import { FAMILY_COLORS } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, DEFAULT_MARGIN, drawAxes, drawEmpty, drawReference } from './chart-frame';

/** Props of SpeedupBarChart. */
export interface SpeedupBarChartProps {
  rows: ComparisonRow[];
  width?: number;
  height?: number;
}

const TITLE = 'Speedup vs autoregressive decoding';

/** Bar chart of each strategy's speedup (bars coloured by family). */
export function SpeedupBarChart({ rows, width = 520, height = 300 }: SpeedupBarChartProps) {
  const ref = useRef<SVGGElement>(null);
  const data = useMemo(() => rows.filter((r) => Number.isFinite(r.speedup)), [rows]);
  const description = data.map((r) => `${r.strategy}: ${r.speedup.toFixed(2)}×`).join('; ') || 'no data';

  useEffect(() => {
    if (!ref.current) return;
    const longNames = data.length > 5 || data.some((r) => r.strategy.length > 10);
    const margin = { ...DEFAULT_MARGIN, right: 32, bottom: longNames ? 80 : DEFAULT_MARGIN.bottom };
    const frame = chartFrame(ref.current, width, height, TITLE, margin);
    if (data.length === 0) {
      drawEmpty(frame, 'No runs to compare yet');
      return;
    }
    const x = scaleBand<string>()
      .domain(data.map((r) => r.strategy))
      .range([0, frame.innerWidth])
      .padding(0.25);
    const top = Math.max(1, max(data, (r) => r.speedup) ?? 1) * 1.12;
    const y = scaleLinear().domain([0, top]).nice().range([frame.innerHeight, 0]);
    drawAxes(frame, x, y, {
      xLabel: 'strategy',
      yLabel: 'speedup (×)',
      yFormat: (v) => `${v}×`,
      rotateX: longNames,
    });
    const bars = frame.plot.append('g').attr('class', 'bars');
    bars
      .selectAll('rect.bar')
      .data(data)
      .join('rect')
      .attr('class', (r) => `bar bar-${r.family}`)
      .attr('x', (r) => x(r.strategy) ?? 0)
      .attr('width', x.bandwidth())
      .attr('y', (r) => y(Math.max(0, r.speedup)))
      .attr('height', (r) => frame.innerHeight - y(Math.max(0, r.speedup)))
      .attr('fill', (r) => FAMILY_COLORS[r.family])
      .append('title')
      .text(
        (r) => `${r.strategy}: ${r.speedup.toFixed(2)}× (τ ${r.tau.toFixed(2)}, ${r.tokensPerSecond.toFixed(1)} tok/s)`,
      );
    bars
      .selectAll('text.value')
      .data(data)
      .join('text')
      .attr('class', 'value')
      .attr('x', (r) => (x(r.strategy) ?? 0) + x.bandwidth() / 2)
      .attr('y', (r) => y(Math.max(0, r.speedup)) - 4)
      .attr('text-anchor', 'middle')
      .text((r) => `${r.speedup.toFixed(2)}×`);
    drawReference(frame, y(1), 'AR', true);
  }, [data, width, height]);

  return (
    <ChartSvg
      className="speedup-chart"
      width={width}
      height={height}
      title={TITLE}
      description={description}
      plotRef={ref}
    />
  );
}
