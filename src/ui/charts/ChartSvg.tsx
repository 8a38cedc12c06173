/** The React-owned <svg> of a chart: size, accessible name and description; D3 fills the inner <g>. */
import type { ReactNode, Ref } from 'react';

/** Props of ChartSvg. */
export interface ChartSvgProps {
  width: number;
  height: number;
  /** Accessible name (also the <title>). */
  title: string;
  /** Longer description of what is drawn (the <desc>), e.g. the values as text. */
  description: string;
  /** Class of the <svg>, e.g. `speedup-chart`. */
  className: string;
  /** The <g> D3 draws into. */
  plotRef: Ref<SVGGElement>;
  children?: ReactNode;
}

/** An accessible chart <svg> whose drawing group is handed to D3 through `plotRef`. */
export function ChartSvg({ width, height, title, description, className, plotRef, children }: ChartSvgProps) {
  return (
    <svg
      className={`chart ${className}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={title}
      style={{ maxWidth: '100%', height: 'auto' }}
    >
      <title>{title}</title>
      <desc>{description}</desc>
      <g ref={plotRef} className="chart-root" />
      {children}
    </svg>
  );
}
