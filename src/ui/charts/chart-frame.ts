/**
 * Shared D3 drawing for the charts: a frame (title, plot area), axes with grid lines and labels, a legend, and an
 * empty-state message. Chart components call these inside their effects on a <g> that React owns.
 */
import { axisBottom, axisLeft, select } from 'd3';
import type { AxisDomain, AxisScale, Selection } from 'd3';
import { legendLayout } from '../layout/legend';
import { CHART_COLORS, FONT_FAMILY } from '../theme';

/** Space around the plot area. */
export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The default margin: room for a title, axis labels and tick labels. */
export const DEFAULT_MARGIN: Margin = { top: 36, right: 16, bottom: 44, left: 52 };

/** A cleared chart: the plot group (translated by the margin) and its size. */
export interface Frame {
  plot: Selection<SVGGElement, unknown, null, undefined>;
  innerWidth: number;
  innerHeight: number;
  margin: Margin;
}

/** Clears `root`, draws the title, and returns the plot area. */
export function chartFrame(root: SVGGElement, width: number, height: number, title: string, margin = DEFAULT_MARGIN) {
  const g = select(root);
  g.selectAll('*').remove();
  g.attr('font-family', FONT_FAMILY).attr('font-size', 11).attr('fill', CHART_COLORS.text);
  g.append('rect').attr('class', 'background').attr('width', width).attr('height', height).attr('fill', '#ffffff');
  g.append('text')
    .attr('class', 'chart-title')
    .attr('x', margin.left)
    .attr('y', 18)
    .attr('font-size', 13)
    .attr('font-weight', 600)
    .text(title);
  const plot = g
    .append('g')
    .attr('class', 'plot')
    .attr('transform', `translate(${margin.left},${margin.top})`) as Selection<SVGGElement, unknown, null, undefined>;
  const frame: Frame = {
    plot,
    innerWidth: Math.max(10, width - margin.left - margin.right),
    innerHeight: Math.max(10, height - margin.top - margin.bottom),
    margin,
  };
  return frame;
}

/** Axis options. */
export interface AxesOptions {
  xLabel: string;
  yLabel: string;
  xTicks?: number;
  yTicks?: number;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Rotate x tick labels (for long category names). */
  rotateX?: boolean;
  /** Grid lines across the plot at the y ticks (`horizontal`, the default) or at the x ticks (`vertical`). */
  grid?: 'horizontal' | 'vertical';
}

/** Draws the x and y axes, grid lines (horizontal unless asked otherwise) and the axis labels. */
export function drawAxes<X extends AxisDomain, Y extends AxisDomain>(
  frame: Frame,
  x: AxisScale<X> & { ticks?: (n?: number) => X[] },
  y: AxisScale<Y> & { ticks?: (n?: number) => Y[] },
  options: AxesOptions,
): void {
  const { plot, innerWidth, innerHeight, margin } = frame;
  const grid = plot.append('g').attr('class', 'grid');
  if (options.grid === 'vertical') {
    const xTicks = x.ticks ? x.ticks(options.xTicks ?? 5) : [];
    grid
      .selectAll('line')
      .data(xTicks)
      .join('line')
      .attr('x1', (d) => x(d) ?? 0)
      .attr('x2', (d) => x(d) ?? 0)
      .attr('y1', 0)
      .attr('y2', innerHeight)
      .attr('stroke', CHART_COLORS.grid);
  } else {
    const yTicks = y.ticks ? y.ticks(options.yTicks ?? 5) : [];
    grid
      .selectAll('line')
      .data(yTicks)
      .join('line')
      .attr('x1', 0)
      .attr('x2', innerWidth)
      .attr('y1', (d) => y(d) ?? 0)
      .attr('y2', (d) => y(d) ?? 0)
      .attr('stroke', CHART_COLORS.grid);
  }

  const xAxis = axisBottom(x);
  if (options.xTicks !== undefined) xAxis.ticks(options.xTicks);
  if (options.xFormat) xAxis.tickFormat((v) => options.xFormat!(Number(v)));
  const xg = plot.append('g').attr('class', 'x-axis').attr('transform', `translate(0,${innerHeight})`).call(xAxis);
  if (options.rotateX) {
    xg.selectAll('text').attr('text-anchor', 'end').attr('transform', 'rotate(-30)').attr('dx', '-0.4em');
  }
  const yAxis = axisLeft(y).ticks(options.yTicks ?? 5);
  if (options.yFormat) yAxis.tickFormat((v) => options.yFormat!(Number(v)));
  plot.append('g').attr('class', 'y-axis').call(yAxis);
  plot.selectAll('.x-axis, .y-axis').attr('color', CHART_COLORS.axis);

  plot
    .append('text')
    .attr('class', 'axis-label x-label')
    .attr('x', innerWidth / 2)
    .attr('y', innerHeight + margin.bottom - 6)
    .attr('text-anchor', 'middle')
    .text(options.xLabel);
  plot
    .append('text')
    .attr('class', 'axis-label y-label')
    .attr('transform', `translate(${-margin.left + 14},${innerHeight / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(options.yLabel);
}

const LEGEND_TOP = 28;
const LEGEND_ROW = 14;

/**
 * The top margin a chart needs for its title and a legend of these labels under it.
 * @param width the chart's full width
 */
export function topMarginWithLegend(labels: readonly string[], width: number, left = DEFAULT_MARGIN.left): number {
  const { height } = legendLayout(labels, width - left - 8, { rowHeight: LEGEND_ROW });
  return LEGEND_TOP + height + 12;
}

/** Draws a legend of coloured line swatches under the title (reserve room with topMarginWithLegend). */
export function drawLegend(
  frame: Frame,
  entries: readonly {
    label: string;
    color: string;
    dashed?: boolean;
    /** a dash pattern (wins over `dashed`) */ dash?: string | null;
    /** SVG path of a point marker drawn on the swatch (the depth chart's shape per strategy) */ marker?: string;
  }[],
): void {
  const width = frame.innerWidth + frame.margin.right - 8;
  const { items } = legendLayout(
    entries.map((e) => e.label),
    width,
    { rowHeight: LEGEND_ROW },
  );
  const g = frame.plot
    .append('g')
    .attr('class', 'legend')
    .attr('transform', `translate(0,${-frame.margin.top + LEGEND_TOP})`);
  const item = g
    .selectAll('g.legend-item')
    .data(entries.map((e, i) => ({ ...e, ...items[i] })))
    .join('g')
    .attr('class', 'legend-item')
    .attr('transform', (d) => `translate(${d.x},${d.y})`);
  item
    .append('line')
    .attr('x1', 0)
    .attr('x2', 14)
    .attr('y1', 6)
    .attr('y2', 6)
    .attr('stroke', (d) => d.color)
    .attr('stroke-width', 2.5)
    .attr('stroke-dasharray', (d) => d.dash ?? (d.dashed ? '4 3' : null));
  item
    .filter((d) => Boolean(d.marker))
    .append('path')
    .attr('class', 'legend-marker')
    .attr('transform', 'translate(7,6)')
    .attr('d', (d) => d.marker ?? '')
    .attr('fill', (d) => d.color)
    .attr('stroke', '#ffffff');
  item
    .append('text')
    .attr('x', 18)
    .attr('y', 6)
    .attr('dy', '0.32em')
    .text((d) => d.label);
}

/** Writes a centred message in the plot area (for charts without data). */
export function drawEmpty(frame: Frame, message: string): void {
  frame.plot
    .append('text')
    .attr('class', 'empty')
    .attr('x', frame.innerWidth / 2)
    .attr('y', frame.innerHeight / 2)
    .attr('text-anchor', 'middle')
    .attr('fill', CHART_COLORS.axis)
    .text(message);
}

/**
 * Draws a dashed horizontal reference line at pixel `yPos` with a label at its right end, above the line or (with
 * `outside`) in the right margin.
 */
export function drawReference(frame: Frame, yPos: number, label: string, outside = false): void {
  const g = frame.plot.append('g').attr('class', 'reference');
  g.append('line')
    .attr('class', 'reference-line')
    .attr('x1', 0)
    .attr('x2', frame.innerWidth)
    .attr('y1', yPos)
    .attr('y2', yPos)
    .attr('stroke', CHART_COLORS.reference)
    .attr('stroke-dasharray', '5 4');
  g.append('text')
    .attr('class', 'reference-label')
    .attr('x', outside ? frame.innerWidth + 4 : frame.innerWidth - 2)
    .attr('y', outside ? yPos : yPos - 4)
    .attr('dy', outside ? '0.32em' : null)
    .attr('text-anchor', outside ? 'start' : 'end')
    .attr('fill', CHART_COLORS.reference)
    .text(label);
}

/** Draws a dashed vertical reference line at pixel `xPos` across the plot, labelled above the plot. */
export function drawVerticalReference(frame: Frame, xPos: number, label: string): void {
  const g = frame.plot.append('g').attr('class', 'reference');
  g.append('line')
    .attr('class', 'reference-line')
    .attr('x1', xPos)
    .attr('x2', xPos)
    .attr('y1', 0)
    .attr('y2', frame.innerHeight)
    .attr('stroke', CHART_COLORS.reference)
    .attr('stroke-dasharray', '5 4');
  g.append('text')
    .attr('class', 'reference-label')
    .attr('x', xPos)
    .attr('y', -6)
    .attr('text-anchor', 'middle')
    .attr('fill', CHART_COLORS.reference)
    .text(label);
}
