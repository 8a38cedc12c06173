/**
 * Mean acceptance length (tau) or speedup against the draft-node budget, one line per strategy family (chain, fixed
 * trees, Sequoia, DySpec) and draft sources (coloured by family, dashed by sources: solid for the draft model,
 * dashed for context, dotted for corpus, dash-dot for a mix), each point labelled with its strategy (labels nudged
 * apart where points crowd: layout/point-labels.ts). The autoregressive run is the 1.0 line.
 */
import { max, min, scaleLinear } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { budgetSeries, isDefaultSources, sourceDash, sourceKey } from '../layout/comparison';
import type { BudgetSeries, ComparisonRow } from '../layout/comparison';
import { labelWidth, placePointLabels } from '../layout/point-labels';
import { familyColor, FAMILY_LABELS } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, drawAxes, drawEmpty, drawLegend, drawReference, topMarginWithLegend } from './chart-frame';

/** Props of BudgetChart. */
export interface BudgetChartProps {
  rows: ComparisonRow[];
  metric: 'tau' | 'speedup';
  width?: number;
  height?: number;
}

/** Point labels: font size, and a generous width per character of it (DejaVu Sans digits are about 0.6 em). */
const LABEL_FONT = 9;
const LABEL_CHAR_WIDTH = 5.8;

const METRIC_LABEL = { tau: 'mean acceptance length τ (tokens / step)', speedup: 'speedup (×)' } as const;

/** A series' legend text: its family, and its sources unless they are the draft model alone. */
function seriesLabel(s: BudgetSeries): string {
  return isDefaultSources(s.sources) ? FAMILY_LABELS[s.family] : `${FAMILY_LABELS[s.family]} @${sourceKey(s.sources)}`;
}

/** A series' CSS classes: its family, and its sources unless they are the draft model alone. */
function seriesClass(s: BudgetSeries): string {
  return `family-${s.family}${isDefaultSources(s.sources) ? '' : ` sources-${sourceKey(s.sources)}`}`;
}

/** Line chart of a metric against the node budget, one line per family. */
export function BudgetChart({ rows, metric, width = 520, height = 320 }: BudgetChartProps) {
  const ref = useRef<SVGGElement>(null);
  const series = useMemo(() => budgetSeries(rows, metric), [rows, metric]);
  const title = metric === 'tau' ? 'Acceptance length vs node budget' : 'Speedup vs node budget';
  const description =
    series
      .map((s) => `${seriesLabel(s)}: ${s.points.map((p) => `${p.strategy} ${p.value.toFixed(2)}`).join(', ')}`)
      .join('; ') || 'no data';

  useEffect(() => {
    if (!ref.current) return;
    const legend = series.map((s) => ({
      label: seriesLabel(s),
      color: familyColor(s.family),
      dash: sourceDash(s.sources),
    }));
    const top = topMarginWithLegend(
      legend.map((l) => l.label),
      width,
    );
    const frame = chartFrame(ref.current, width, height, title, { top, right: 24, bottom: 44, left: 52 });
    const points = series.flatMap((s) => s.points.map((p) => ({ ...p, family: s.family, css: seriesClass(s) })));
    if (points.length === 0) {
      drawEmpty(frame, 'No speculative runs to compare yet');
      return;
    }
    const x = scaleLinear()
      .domain([0, Math.max(1, max(points, (p) => p.budget) ?? 1) * 1.05])
      .nice()
      .range([0, frame.innerWidth]);
    const lo = Math.min(metric === 'tau' ? 1 : 0, min(points, (p) => p.value) ?? 0);
    const hi = Math.max(1, max(points, (p) => p.value) ?? 1) * 1.1;
    const y = scaleLinear()
      .domain([Math.min(0, lo), hi])
      .nice()
      .range([frame.innerHeight, 0]);
    drawAxes(frame, x, y, { xLabel: 'draft nodes per step (budget)', yLabel: METRIC_LABEL[metric] });
    drawReference(frame, y(1), 'autoregressive');

    const lines = frame.plot.append('g').attr('class', 'lines');
    lines
      .selectAll('path.series-line')
      .data(series)
      .join('path')
      .attr('class', (s) => `series-line ${seriesClass(s)}`)
      .attr('fill', 'none')
      .attr('stroke', (s) => familyColor(s.family))
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', (s) => sourceDash(s.sources))
      .attr('d', (s) => s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.budget)},${y(p.value)}`).join(''));
    const marks = frame.plot.append('g').attr('class', 'points');
    marks
      .selectAll('circle.point')
      .data(points)
      .join('circle')
      .attr('class', (p) => `point ${p.css}`)
      .attr('cx', (p) => x(p.budget))
      .attr('cy', (p) => y(p.value))
      .attr('r', 4)
      .attr('fill', (p) => familyColor(p.family))
      .attr('stroke', '#ffffff')
      .append('title')
      .text((p) => `${p.strategy}: budget ${p.budget}, ${metric === 'tau' ? 'τ' : 'speedup'} ${p.value.toFixed(2)}`);
    const labels = placePointLabels(
      points.map((p) => ({
        x: x(p.budget),
        y: y(p.value),
        width: labelWidth(p.strategy, LABEL_CHAR_WIDTH),
        height: LABEL_FONT + 2,
      })),
      { width: frame.innerWidth + frame.margin.right - 2, height: frame.innerHeight },
    );
    marks
      .selectAll('text.point-label')
      .data(points)
      .join('text')
      .attr('class', 'point-label')
      .attr('x', (_, i) => labels[i].x)
      .attr('y', (_, i) => labels[i].y)
      .attr('dy', '0.32em')
      .attr('text-anchor', (_, i) => labels[i].anchor)
      .attr('font-size', LABEL_FONT)
      .attr('fill', (p) => familyColor(p.family))
      .text((p) => p.strategy);
    drawLegend(frame, legend);
  }, [series, metric, title, width, height]);

  return (
    <ChartSvg
      className={`budget-chart budget-chart-${metric}`}
      width={width}
      height={height}
      title={title}
      description={description}
      plotRef={ref}
    />
  );
}
