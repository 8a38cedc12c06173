/**
 * Reliability diagram of the draft: for draft-probability bins, the fraction of examined draft tokens the target
 * accepted, against the diagonal (a perfectly calibrated draft). Point area follows the bin's sample count. DySpec's
 * premise is that this curve rises with q, so q is a usable estimate of acceptance.
 */
import { max, scaleLinear, scaleSqrt } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import type { CalibrationBin } from '../layout/calibration';
import { CHART_COLORS, TOKEN_BACKGROUNDS, TOKEN_COLORS } from '../theme';
import { ChartSvg } from './ChartSvg';
import { chartFrame, DEFAULT_MARGIN, drawAxes, drawEmpty } from './chart-frame';

/** Props of CalibrationChart. */
export interface CalibrationChartProps {
  bins: CalibrationBin[];
  width?: number;
  height?: number;
}

const TITLE = 'Draft probability vs acceptance (calibration)';

/** Reliability diagram: bars per bin, points sized by count, and the diagonal. */
export function CalibrationChart({ bins, width = 420, height = 360 }: CalibrationChartProps) {
  const ref = useRef<SVGGElement>(null);
  const data = useMemo(() => bins.filter((b) => b.count > 0), [bins]);
  const total = data.reduce((s, b) => s + b.count, 0);
  const description =
    data
      .map((b) => `q ${b.lo.toFixed(1)}–${b.hi.toFixed(1)}: ${(b.acceptanceRate * 100).toFixed(0)}% of ${b.count}`)
      .join('; ') || 'no data';

  useEffect(() => {
    if (!ref.current) return;
    const frame = chartFrame(ref.current, width, height, TITLE, { ...DEFAULT_MARGIN, top: 48 });
    if (data.length === 0) {
      drawEmpty(frame, 'No verified draft tokens yet');
      return;
    }
    const x = scaleLinear().domain([0, 1]).range([0, frame.innerWidth]);
    const y = scaleLinear().domain([0, 1]).range([frame.innerHeight, 0]);
    drawAxes(frame, x, y, { xLabel: 'draft probability q', yLabel: 'observed acceptance rate' });
    frame.plot
      .append('line')
      .attr('class', 'diagonal')
      .attr('x1', x(0))
      .attr('y1', y(0))
      .attr('x2', x(1))
      .attr('y2', y(1))
      .attr('stroke', CHART_COLORS.reference)
      .attr('stroke-dasharray', '4 4');
    frame.plot
      .append('g')
      .attr('class', 'bars')
      .selectAll('rect.bin-bar')
      .data(data)
      .join('rect')
      .attr('class', 'bin-bar')
      .attr('x', (b) => x(b.lo) + 1)
      .attr('width', (b) => Math.max(1, x(b.hi) - x(b.lo) - 2))
      .attr('y', (b) => y(b.acceptanceRate))
      .attr('height', (b) => frame.innerHeight - y(b.acceptanceRate))
      .attr('fill', TOKEN_BACKGROUNDS.accepted);
    const r = scaleSqrt()
      .domain([0, max(data, (b) => b.count) ?? 1])
      .range([2, 12]);
    frame.plot
      .append('g')
      .attr('class', 'points')
      .selectAll('circle.point')
      .data(data)
      .join('circle')
      .attr('class', 'point')
      .attr('cx', (b) => x(b.meanDraftProb))
      .attr('cy', (b) => y(b.acceptanceRate))
      .attr('r', (b) => r(b.count))
      .attr('fill', TOKEN_COLORS.accepted)
      .attr('fill-opacity', 0.75)
      .attr('stroke', '#ffffff')
      .append('title')
      .text(
        (b) =>
          `q in [${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}): mean q ${b.meanDraftProb.toFixed(3)}, ` +
          `${(b.acceptanceRate * 100).toFixed(1)}% accepted of ${b.count}`,
      );
    frame.plot
      .append('text')
      .attr('class', 'sample-count')
      .attr('x', 0)
      .attr('y', -frame.margin.top + 34)
      .attr('fill', CHART_COLORS.axis)
      .text(`${total} examined draft tokens; area ∝ count`);
  }, [data, total, width, height]);

  return (
    <ChartSvg
      className="calibration-chart"
      width={width}
      height={height}
      title={TITLE}
      description={description}
      plotRef={ref}
    />
  );
}
