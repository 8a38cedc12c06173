/** How the tree view paints its nodes, and the legend swatches drawn the same way (React only, no D3). */
import type { DraftSourceName } from '../../core/strategy';
import type { TreeLegendEntry, TreeNodeKind } from '../layout/step-tree';
import { SOURCE_COLORS, TOKEN_COLORS } from '../theme';

/** Stroke width of a node's outline, and of the ring a table source draws instead. */
export const OUTLINE = 1.5;
export const RING = 2.5;
/** Fill of the source entries' swatches in the legend (a neutral node). */
const SOURCE_SWATCH_FILL = '#e5e7eb';

/** Fill and stroke of a node kind. */
export function nodePaint(kind: TreeNodeKind): { fill: string; stroke: string; dash: string | null } {
  if (kind === 'unvisited') return { fill: '#ffffff', stroke: TOKEN_COLORS.unvisited, dash: null };
  if (kind === 'bonus') return { fill: TOKEN_COLORS.bonus, stroke: TOKEN_COLORS.bonus, dash: '3 2' };
  return { fill: TOKEN_COLORS[kind], stroke: '#ffffff', dash: null };
}

/** Whether a node's source rings it (the table sources; the draft model's nodes keep their plain outline). */
export function ringed(source: DraftSourceName | null): source is 'context' | 'corpus' {
  return source === 'context' || source === 'corpus';
}

/** One swatch of the legend: a node kind, the size rule (two sizes), or a source's ring. */
export function LegendSwatch({ entry }: { entry: TreeLegendEntry }) {
  if (entry.type === 'size') {
    return (
      <>
        <circle cx={6} cy={8} r={3} fill="#ffffff" stroke={TOKEN_COLORS.root} />
        <circle cx={6} cy={8} r={6} fill="none" stroke={TOKEN_COLORS.root} />
      </>
    );
  }
  if (entry.type === 'source') {
    const ring = ringed(entry.source);
    return (
      <circle
        cx={6}
        cy={8}
        r={5}
        fill={SOURCE_SWATCH_FILL}
        stroke={ring ? SOURCE_COLORS[entry.source] : '#ffffff'}
        strokeWidth={ring ? RING : OUTLINE}
      />
    );
  }
  const paint = nodePaint(entry.kind);
  return (
    <circle
      cx={6}
      cy={8}
      r={5}
      fill={paint.fill}
      stroke={paint.stroke === '#ffffff' ? paint.fill : paint.stroke}
      strokeDasharray={paint.dash ?? undefined}
    />
  );
}
