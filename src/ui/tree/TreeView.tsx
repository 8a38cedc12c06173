/**
 * One step's token tree, drawn with D3 as a horizontal tidy tree (root on the left): the accepted path, rejected
 * and unvisited draft nodes, and the target's bonus token attached to the last accepted node. Node size follows the
 * draft probability q; nodes drawn by a table source (context lookup, corpus datastore) wear a ring in its colour.
 * Hover or focus a node for its details; arrow keys move between nodes.
 */
import { select } from 'd3';
// Side effect: adds selection.transition() / .interrupt(), used below. The d3 bundle is marked side-effect free, so
// importing only `select` from it would let the build drop d3-transition; this import keeps it wherever TreeView goes.
import 'd3-transition';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { StepRecord } from '../../core/step';
import type { DraftSourceName } from '../../core/strategy';
import { displayToken } from '../layout/display-token';
import { legendLayout } from '../layout/legend';
import { describeNode, stepTreeNodes, treeLegend, treeSources } from '../layout/step-tree';
import type { TreeLegendEntry, TreeNodeKind, TreeViewNode } from '../layout/step-tree';
import { fitTreeLayout, linkPath, nodeRadius, parseTranslate } from '../layout/tree-layout';
import { SOURCE_COLORS, SOURCE_LABELS, TOKEN_COLORS, TOKEN_LABELS } from '../theme';
import { TREE_CSS } from './tree-style';

/** Props of TreeView. */
export interface TreeViewProps {
  /** The step to draw. */
  step: StepRecord;
  /** Decodes a token id to its text (drawn as text only); keep it stable (useCallback) to avoid redraws. */
  tokenText: (id: number) => string;
  /** Size of the view in px (the drawing scrolls when the tree needs more room). */
  width?: number;
  height?: number;
}

const TRANSITION_MS = 250;
/** Stroke width of a node's outline, and of the ring a table source draws instead. */
const OUTLINE = 1.5;
const RING = 2.5;
/** Fill of the source entries' swatches in the legend (a neutral node). */
const SOURCE_SWATCH_FILL = '#e5e7eb';

/** Fill and stroke of a node kind. */
function nodePaint(kind: TreeNodeKind): { fill: string; stroke: string; dash: string | null } {
  if (kind === 'unvisited') return { fill: '#ffffff', stroke: TOKEN_COLORS.unvisited, dash: null };
  if (kind === 'bonus') return { fill: TOKEN_COLORS.bonus, stroke: TOKEN_COLORS.bonus, dash: '3 2' };
  return { fill: TOKEN_COLORS[kind], stroke: '#ffffff', dash: null };
}

/** Whether a node's source rings it (the table sources; the draft model's nodes keep their plain outline). */
function ringed(source: DraftSourceName | null): source is 'context' | 'corpus' {
  return source === 'context' || source === 'corpus';
}

/** One swatch of the legend: a node kind, the size rule (two sizes), or a source's ring. */
function LegendSwatch({ entry }: { entry: TreeLegendEntry }) {
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

/** Whether to animate (never in environments without matchMedia, e.g. tests; never with reduced motion). */
function motionAllowed(): boolean {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return false;
  return !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Draws one step's token tree. */
export function TreeView({ step, tokenText, width = 640, height = 360 }: TreeViewProps) {
  const nodes = useMemo(() => stepTreeNodes(step, tokenText), [step, tokenText]);
  const legendEntries = useMemo(() => treeLegend(treeSources(nodes), TOKEN_LABELS, SOURCE_LABELS), [nodes]);
  const legend = useMemo(
    () =>
      // 7 px a character: 11 px text in Debian's default sans (DejaVu) is wider than the 6.5 px the charts assume.
      legendLayout(
        legendEntries.map((e) => e.label),
        width - 24,
        { charWidth: 7 },
      ),
    [legendEntries, width],
  );
  const legendHeight = legend.height + 8;
  const layout = useMemo(
    () =>
      fitTreeLayout(
        nodes.map((n) => n.parent),
        {
          width,
          height: Math.max(80, height - legendHeight),
          labelChars: nodes.reduce((m, n) => Math.max(m, Array.from(n.label).length), 1),
        },
      ),
    [nodes, width, height, legendHeight],
  );
  const plotRef = useRef<SVGGElement>(null);
  const [active, setActive] = useState<{ step: StepRecord; id: number } | null>(null);
  const tooltipId = useId();

  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    const animate = motionAllowed();
    const root = select(plot);
    const keyOf = (d: TreeViewNode) => (d.kind === 'bonus' ? 'bonus' : String(d.id));
    const pos = (id: number) => `translate(${layout.x[id]},${layout.y[id]})`;

    const linkData = nodes.filter((d) => d.parent >= 0);
    const shape = (d: TreeViewNode) => linkPath(layout.x[d.parent], layout.y[d.parent], layout.x[d.id], layout.y[d.id]);
    const links = root
      .select<SVGGElement>('g.links')
      .selectAll<SVGPathElement, TreeViewNode>('path.link')
      .data(linkData, keyOf)
      .join((enter) =>
        enter
          .append('path')
          .attr('d', (d) => linkPath(layout.x[d.parent], layout.y[d.parent], layout.x[d.parent], layout.y[d.parent]))
          .attr('opacity', animate ? 0 : 1),
      )
      .attr('class', (d) => `link link-${d.kind}${d.onPath ? ' on-path' : ''}`)
      .attr('stroke', (d) => (d.onPath || d.kind === 'bonus' ? TOKEN_COLORS[d.kind] : '#d1d5db'))
      .attr('stroke-width', (d) => (d.onPath || d.kind === 'bonus' ? 2.5 : 1.25))
      .attr('stroke-dasharray', (d) => (d.kind === 'bonus' ? '4 3' : null));

    const groups = root
      .select<SVGGElement>('g.nodes')
      .selectAll<SVGGElement, TreeViewNode>('g.node')
      .data(nodes, keyOf)
      .join((enter) => {
        const g = enter
          .append('g')
          .attr('transform', (d) => pos(d.parent >= 0 ? d.parent : d.id))
          .attr('opacity', animate ? 0 : 1);
        g.append('circle');
        g.append('text').attr('dy', '0.32em');
        return g;
      })
      .attr('class', (d) => `node node-${d.kind}${d.onPath ? ' on-path' : ''}${d.source ? ` source-${d.source}` : ''}`)
      .attr('data-source', (d) => d.source)
      .attr('data-node', (d) => d.id)
      .attr('tabindex', 0)
      .attr('role', 'img')
      .attr('aria-label', (d) => describeNode(d).join('; '))
      .on('mouseenter focus', (_event, d) => setActive({ step, id: d.id }))
      .on('mouseleave blur', () => setActive(null));

    groups
      .select('circle')
      .attr('r', (d) => (d.kind === 'root' ? 7 : nodeRadius(d.draftProb)))
      .attr('fill', (d) => nodePaint(d.kind).fill)
      .attr('stroke', (d) => (ringed(d.source) ? SOURCE_COLORS[d.source] : nodePaint(d.kind).stroke))
      .attr('stroke-width', (d) => (ringed(d.source) ? RING : OUTLINE))
      .attr('stroke-dasharray', (d) => nodePaint(d.kind).dash);
    groups
      .select('text')
      .attr('x', (d) => (d.kind === 'root' ? 10 : nodeRadius(d.draftProb) + 4))
      .text((d) => d.label);

    if (animate) {
      links.transition().duration(TRANSITION_MS).attr('d', shape).attr('opacity', 1);
      // Interpolate the translate numbers ourselves (d3's generic transform interpolation needs SVG DOM APIs).
      groups
        .transition()
        .duration(TRANSITION_MS)
        .attrTween('transform', function (d) {
          const [x0, y0] = parseTranslate(this.getAttribute('transform')) ?? [layout.x[d.id], layout.y[d.id]];
          const [x1, y1] = [layout.x[d.id], layout.y[d.id]];
          return (t) => `translate(${x0 + (x1 - x0) * t},${y0 + (y1 - y0) * t})`;
        })
        .attr('opacity', 1);
    } else {
      links.attr('d', shape).attr('opacity', 1);
      groups.attr('transform', (d) => pos(d.id)).attr('opacity', 1);
    }
    return () => {
      root.selectAll('*').interrupt();
    };
  }, [nodes, layout, step]);

  const activeNode = active && active.step === step ? (nodes[active.id] ?? null) : null;

  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    select(plot)
      .selectAll<SVGGElement, TreeViewNode>('g.node')
      .classed('active', (d) => activeNode !== null && d.id === activeNode.id)
      .attr('aria-describedby', (d) => (activeNode !== null && d.id === activeNode.id ? tooltipId : null));
  }, [activeNode, tooltipId]);

  /** Arrow keys: right = first child, left = parent, up / down = previous / next sibling; Escape hides the tooltip. */
  const onKeyDown = (event: ReactKeyboardEvent<SVGSVGElement>) => {
    const target = (event.target as Element).closest?.('g.node');
    const id = target ? Number(target.getAttribute('data-node')) : NaN;
    if (!Number.isInteger(id) || !nodes[id]) return;
    if (event.key === 'Escape') {
      setActive(null);
      return;
    }
    const parent = nodes[id].parent;
    const siblings = parent >= 0 ? layout.children[parent] : [id];
    const at = siblings.indexOf(id);
    let next: number | undefined;
    if (event.key === 'ArrowRight') next = layout.children[id][0];
    else if (event.key === 'ArrowLeft') next = parent >= 0 ? parent : undefined;
    else if (event.key === 'ArrowUp') next = siblings[at - 1];
    else if (event.key === 'ArrowDown') next = siblings[at + 1];
    else return;
    event.preventDefault();
    if (next === undefined) return;
    const el = plotRef.current?.querySelector<SVGGElement>(`g.node[data-node="${next}"]`);
    el?.focus();
  };

  const accepted = Math.max(0, step.acceptedPath.length - 1);
  const bonus = nodes[nodes.length - 1];
  const summary =
    `Token tree of step ${step.index}: ${nodes.length - 2} draft nodes, ${accepted} accepted, ` +
    `bonus token ${displayToken(bonus.text)}`;
  const svgHeight = layout.contentHeight + legendHeight;

  return (
    <figure className="tree-view" style={{ margin: 0, width, maxWidth: '100%' }}>
      <div style={{ position: 'relative', width: '100%', height, overflow: 'auto' }}>
        <svg
          className="tree-view-svg"
          width={layout.contentWidth}
          height={svgHeight}
          viewBox={`0 0 ${layout.contentWidth} ${svgHeight}`}
          role="group"
          aria-label={summary}
          onKeyDown={onKeyDown}
        >
          <title>{summary}</title>
          <style>{TREE_CSS}</style>
          <rect width={layout.contentWidth} height={svgHeight} fill="#ffffff" />
          <g className="legend" transform="translate(12, 6)" aria-hidden="true">
            {legend.items.map((item, i) => (
              <g
                key={item.label}
                className={`legend-item legend-${legendEntries[i].type}`}
                transform={`translate(${item.x}, ${item.y})`}
              >
                <LegendSwatch entry={legendEntries[i]} />
                <text x={16} y={8} dy="0.32em">
                  {item.label}
                </text>
              </g>
            ))}
          </g>
          <g ref={plotRef} className="plot" transform={`translate(0, ${legendHeight})`}>
            <g className="links" />
            <g className="nodes" />
          </g>
        </svg>
        {activeNode ? (
          <div
            id={tooltipId}
            role="tooltip"
            className="tree-view-tooltip"
            style={{
              position: 'absolute',
              left: layout.x[activeNode.id] + 14,
              top: layout.y[activeNode.id] + legendHeight + 10,
              background: '#ffffff',
              border: '1px solid #d1d5db',
              borderRadius: 4,
              padding: '4px 8px',
              font: '12px system-ui, sans-serif',
              pointerEvents: 'none',
              whiteSpace: 'pre',
              boxShadow: '0 2px 6px rgba(0,0,0,0.15)',
              zIndex: 1,
            }}
          >
            {describeNode(activeNode).map((line, i) => (
              <div key={i}>{line}</div>
            ))}
          </div>
        ) : null}
      </div>
    </figure>
  );
}
