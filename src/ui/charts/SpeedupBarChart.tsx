/**
 * Speedup vs the autoregressive run: one horizontal bar per strategy, with the 1.0 (no speedup) line. The chart's
 * height follows the number of rows (layout/speedup-bars.ts), so bars and labels never overlap however many
 * strategies are compared. Bars are coloured by family; a strategy drafting from table sources (context, corpus)
 * gets a lighter bar outlined with its sources' dash (as the budget chart's lines).
 */
import { max, scaleBand, scaleLinear, select } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { isDefaultSources, sourceDash, sourceKey } from '../layout/comparison';
import type { ComparisonRow } from '../layout/comparison';
import { speedupBarLayout } from '../layout/speedup-bars';
import { familyColor } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, drawAxes, drawEmpty, drawVerticalReference } from './chart-frame';

/** Props of SpeedupBarChart. */
export interface SpeedupBarChartProps {
  rows: ComparisonRow[];
  width?: number;
  /**
   * Wanted height in px; the rows share it, and the chart grows past it when they would get too thin. Without it
   * the height follows the number of rows.
   */
  height?: number;
}

const TITLE = 'Speedup vs autoregressive decoding';
const TITLE_X = 8;

const valueText = (r: ComparisonRow): string => `${r.speedup.toFixed(2)}×`;

/** The right end of a row's drawing: its interval's upper end when it has one, else the bar's. */
const rowEnd = (r: ComparisonRow): number => Math.max(r.speedup, r.speedupCi?.[1] ?? r.speedup);

/** Whether a row drafts from anything but the draft model alone (autoregressive rows draft nothing). */
const tableSourced = (r: ComparisonRow): boolean => r.sources.length > 0 && !isDefaultSources(r.sources);

/** Bar chart of each strategy's speedup (bars coloured by family). */
export function SpeedupBarChart({ rows, width = 520, height }: SpeedupBarChartProps) {
  const ref = useRef<SVGGElement>(null);
  const data = useMemo(() => rows.filter((r) => Number.isFinite(r.speedup)), [rows]);
  const layout = useMemo(
    () =>
      speedupBarLayout(
        data.map((r) => r.strategy),
        width,
        { height, valueChars: data.reduce((m, r) => Math.max(m, Array.from(valueText(r)).length), 1) },
      ),
    [data, width, height],
  );
  const description =
    data
      .map((r) => {
        const ci = r.speedupCi ? ` (95% interval ${r.speedupCi[0].toFixed(2)}–${r.speedupCi[1].toFixed(2)})` : '';
        return `${r.strategy}: ${valueText(r)}${ci}`;
      })
      .join('; ') || 'no data';

  useEffect(() => {
    if (!ref.current) return;
    const frame = chartFrame(ref.current, layout.width, layout.height, TITLE, layout.margin);
    // The title starts at the chart's edge, not above the plot: the strategy names can make the left margin wide.
    select(ref.current).select('.chart-title').attr('x', TITLE_X);
    if (data.length === 0) {
      drawEmpty(frame, 'No runs to compare yet');
      return;
    }
    const top = Math.max(1, max(data, rowEnd) ?? 1);
    const x = scaleLinear().domain([0, top]).nice().range([0, layout.innerWidth]);
    const y = scaleBand<number>()
      .domain(data.map((_, i) => i))
      .range([0, layout.innerHeight]);
    drawAxes(frame, x, y, {
      xLabel: 'speedup (×)',
      yLabel: 'strategy',
      xTicks: Math.max(2, Math.floor(layout.innerWidth / 70)),
      xFormat: (v) => `${v}×`,
      yFormat: (i) => layout.rows[i]?.label ?? '',
      grid: 'vertical',
    });
    // Names shortened to fit keep the full name as a tooltip.
    frame.plot
      .selectAll<SVGTextElement, number>('.y-axis .tick text')
      .filter((i) => layout.rows[i]?.label !== data[i]?.strategy)
      .append('title')
      .text((i) => data[i]?.strategy ?? '');
    const bars = frame.plot.append('g').attr('class', 'bars');
    bars
      .selectAll('rect.bar')
      .data(data)
      .join('rect')
      .attr('class', (r) => `bar bar-${r.family}${tableSourced(r) ? ` bar-sources-${sourceKey(r.sources)}` : ''}`)
      .attr('x', 0)
      .attr('y', (_, i) => layout.rows[i].barY)
      .attr('width', (r) => x(Math.max(0, r.speedup)))
      .attr('height', layout.barHeight)
      .attr('fill', (r) => familyColor(r.family))
      .attr('fill-opacity', (r) => (tableSourced(r) ? 0.55 : null))
      .attr('stroke', (r) => (tableSourced(r) ? familyColor(r.family) : null))
      .attr('stroke-width', (r) => (tableSourced(r) ? 1.5 : null))
      .attr('stroke-dasharray', (r) => (tableSourced(r) ? sourceDash(r.sources) : null))
      .append('title')
      .text(
        (r) =>
          `${r.strategy}: ${valueText(r)} (τ ${r.tau.toFixed(2)}, ${r.tokensPerSecond.toFixed(1)} tok/s; ` +
          `drafts from ${sourceKey(r.sources)})`,
      );
    // Error bars: the speedup's 95% interval (paired bootstrap), a whisker across the bar's centre line.
    const whiskers = frame.plot
      .append('g')
      .attr('class', 'error-bars')
      .selectAll('g.error-bar')
      .data(data.map((r, i) => ({ r, i })).filter(({ r }) => r.speedupCi))
      .join('g')
      .attr('class', 'error-bar');
    const cap = Math.max(3, layout.barHeight / 3);
    const ci = ({ r }: { r: ComparisonRow }): [number, number] => r.speedupCi ?? [r.speedup, r.speedup];
    whiskers
      .append('line')
      .attr('x1', (d) => x(Math.max(0, ci(d)[0])))
      .attr('x2', (d) => x(Math.max(0, ci(d)[1])))
      .attr('y1', ({ i }) => layout.rows[i].centerY)
      .attr('y2', ({ i }) => layout.rows[i].centerY);
    for (const end of [0, 1] as const) {
      whiskers
        .append('line')
        .attr('x1', (d) => x(Math.max(0, ci(d)[end])))
        .attr('x2', (d) => x(Math.max(0, ci(d)[end])))
        .attr('y1', ({ i }) => layout.rows[i].centerY - cap)
        .attr('y2', ({ i }) => layout.rows[i].centerY + cap);
    }
    whiskers.attr('stroke', '#222').attr('stroke-width', 1.2);
    whiskers
      .append('title')
      .text(({ r }) => `${r.strategy}: 95% interval ${ci({ r })[0].toFixed(2)}–${ci({ r })[1].toFixed(2)}×`);
    bars
      .selectAll('text.value')
      .data(data)
      .join('text')
      .attr('class', 'value')
      .attr('x', (r) => x(Math.max(0, rowEnd(r))) + 4)
      .attr('y', (_, i) => layout.rows[i].centerY)
      .attr('dy', '0.32em')
      .attr('text-anchor', 'start')
      // A white halo keeps the value readable where it crosses the reference line.
      .attr('paint-order', 'stroke')
      .attr('stroke', '#ffffff')
      .attr('stroke-width', 3)
      .attr('stroke-linejoin', 'round')
      .text(valueText);
    drawVerticalReference(frame, x(1), 'AR');
  }, [data, layout]);

  return (
    <ChartSvg
      className="speedup-chart"
      width={layout.width}
      height={layout.height}
      title={TITLE}
      description={description}
      plotRef={ref}
    />
  );
}
