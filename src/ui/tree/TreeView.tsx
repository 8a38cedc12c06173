/**
 * One step's token tree, drawn with D3 as a horizontal tidy tree (root on the left): the accepted path, rejected
 * and unvisited draft nodes, and the target's bonus token attached to the last accepted node. Node size follows the
 * draft probability q; nodes drawn by a table source (context lookup, corpus datastore) wear a ring in its colour.
 * Hover or focus a node for its details; arrow keys move between nodes. The drawing is scaled to fit its panel at
 * any width (a deep tree on a phone is shown whole, smaller); drag (two fingers on touch) pans, Ctrl + wheel or a
 * pinch zooms, and "Fit" shows the whole tree again.
 */
import { select, zoom, zoomIdentity, type D3ZoomEvent } from 'd3';
// Side effect: adds selection.transition() / .interrupt(), used below. The d3 bundle is marked side-effect free, so
// importing only `select` from it would let the build drop d3-transition; this import keeps it wherever TreeView goes.
import 'd3-transition';
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, RefObject } from 'react';
import type { StepRecord } from '../../core/step';
import { displayToken } from '../layout/display-token';
import { legendLayout } from '../layout/legend';
import { describeNode, stepTreeNodes, treeLegend, treeSources } from '../layout/step-tree';
import type { TreeViewNode } from '../layout/step-tree';
import {
  linkPath,
  nodeRadius,
  parseTranslate,
  tooltipPlacement,
  treeViewGeometry,
  zoomScaleExtent,
} from '../layout/tree-layout';
import type { ViewTransform } from '../layout/tree-layout';
import { useElementWidth } from '../panels/use-width';
import { SOURCE_COLORS, SOURCE_LABELS, TOKEN_COLORS, TOKEN_LABELS } from '../theme';
import { LegendSwatch, nodePaint, OUTLINE, RING, ringed } from './tree-paint';
import { TREE_CSS } from './tree-style';

/** Props of TreeView. */
export interface TreeViewProps {
  /** The step to draw. */
  step: StepRecord;
  /** Decodes a token id to its text (drawn as text only); keep it stable (useCallback) to avoid redraws. */
  tokenText: (id: number) => string;
  /**
   * Width in px until the view has measured its panel (the drawing then takes the panel's width), and the height
   * of the view in px (legend included); the tree is scaled to fit inside.
   */
  width?: number;
  height?: number;
}

const TRANSITION_MS = 250;
/** Zoom factor of the + / − buttons. */
const ZOOM_STEP = 1.4;

/**
 * Which gestures zoom: a drag with the main button pans, Ctrl/⌘ + wheel (and a trackpad pinch, which the browser
 * sends as one) zooms; a plain wheel scrolls the page as usual. On touch, a one-finger swipe scrolls the page while
 * the whole tree is shown, and pans it once the user has zoomed; two fingers pan and pinch.
 */
function zoomGesture(event: Event, zoomed: boolean): boolean {
  if (event.type === 'wheel') return (event as WheelEvent).ctrlKey || (event as WheelEvent).metaKey;
  if (event.type === 'touchstart') return zoomed || (event as TouchEvent).touches.length >= 2;
  return !(event as MouseEvent).ctrlKey && !(event as MouseEvent).button;
}

/** An SVG `transform` attribute for a view transform. */
const transformText = (t: ViewTransform): string => `translate(${t.x},${t.y}) scale(${t.k})`;

/** Whether to animate (never in environments without matchMedia, e.g. tests; never with reduced motion). */
function motionAllowed(): boolean {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return false;
  return !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/**
 * The pan / zoom of the tree: d3-zoom on the view's surface. The transform shown is the fit (the whole tree) until
 * the user zooms or pans; "Fit" returns to it. New steps keep a user's zoom and follow the fit otherwise.
 */
function useTreeZoom(
  surfaceRef: RefObject<SVGGElement | null>,
  fit: ViewTransform,
  view: { width: number; height: number; contentWidth: number; contentHeight: number },
) {
  const zoomer = useMemo(() => zoom<SVGGElement, unknown>(), []);
  const [userView, setUserView] = useState<ViewTransform | null>(null);
  // Set while the view itself moves d3-zoom's state to the fit, so that move is not taken for the user's.
  const syncing = useRef(false);
  const following = userView === null;
  // Read by the gesture filter, which d3-zoom calls long after this render.
  const zoomed = useRef(false);
  useLayoutEffect(() => {
    zoomed.current = !following;
    const surface = surfaceRef.current;
    if (!surface) return;
    zoomer
      .extent([
        [0, 0],
        [view.width, view.height],
      ])
      .translateExtent([
        [0, 0],
        [view.contentWidth, view.contentHeight],
      ])
      .scaleExtent(zoomScaleExtent(fit.k))
      .filter((event: Event) => zoomGesture(event, zoomed.current))
      .on('zoom', (event: D3ZoomEvent<SVGGElement, unknown>) => {
        if (!syncing.current) setUserView({ k: event.transform.k, x: event.transform.x, y: event.transform.y });
      });
    const sel = select(surface).call(zoomer).on('dblclick.zoom', null);
    if (following) {
      syncing.current = true;
      sel.call(zoomer.transform, zoomIdentity.translate(fit.x, fit.y).scale(fit.k));
      syncing.current = false;
    }
  }, [surfaceRef, zoomer, fit, following, view.width, view.height, view.contentWidth, view.contentHeight]);
  useEffect(() => {
    const surface = surfaceRef.current;
    return () => {
      if (surface) select(surface).on('.zoom', null);
    };
  }, [surfaceRef]);
  const zoomBy = (factor: number): void => {
    if (surfaceRef.current) select(surfaceRef.current).call(zoomer.scaleBy, factor);
  };
  return { shown: userView ?? fit, following, zoomBy, refit: () => setUserView(null) };
}

/** Draws one step's token tree. */
export function TreeView({ step, tokenText, width: initialWidth = 640, height = 360 }: TreeViewProps) {
  const figureRef = useRef<HTMLElement>(null);
  const width = Math.max(160, useElementWidth(figureRef, initialWidth));
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
  const viewHeight = Math.max(80, height - legendHeight);
  const { layout, fit } = useMemo(
    () =>
      treeViewGeometry(
        nodes.map((n) => n.parent),
        {
          width,
          height: viewHeight,
          labelChars: nodes.reduce((m, n) => Math.max(m, Array.from(n.label).length), 1),
        },
      ),
    [nodes, width, viewHeight],
  );
  const plotRef = useRef<SVGGElement>(null);
  const surfaceRef = useRef<SVGGElement>(null);
  const zoomState = useTreeZoom(surfaceRef, fit, {
    width,
    height: viewHeight,
    contentWidth: layout.contentWidth,
    contentHeight: layout.contentHeight,
  });
  const { shown } = zoomState;
  const [active, setActive] = useState<{ step: StepRecord; id: number } | null>(null);
  const tooltipId = useId();
  const clipId = `tree-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
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
  const svgHeight = legendHeight + viewHeight;
  const tip = activeNode
    ? tooltipPlacement(
        shown.x + shown.k * layout.x[activeNode.id],
        legendHeight + shown.y + shown.k * layout.y[activeNode.id],
        width,
      )
    : null;

  return (
    <figure ref={figureRef} className="tree-view" style={{ margin: 0, width: '100%' }}>
      <div className="tree-view-tools">
        <button type="button" onClick={() => zoomState.zoomBy(ZOOM_STEP)} aria-label="Zoom in on the tree">
          +
        </button>
        <button type="button" onClick={() => zoomState.zoomBy(1 / ZOOM_STEP)} aria-label="Zoom out of the tree">
          −
        </button>
        <button
          type="button"
          onClick={zoomState.refit}
          disabled={zoomState.following}
          data-testid="tree-fit"
          aria-label="Fit the whole tree in the view"
        >
          Fit
        </button>
        <span className="muted" data-testid="tree-zoom">
          {Math.round(shown.k * 100)}%
        </span>
      </div>
      <div style={{ position: 'relative', width: '100%' }}>
        <svg
          className="tree-view-svg"
          width={width}
          height={svgHeight}
          viewBox={`0 0 ${width} ${svgHeight}`}
          style={{ display: 'block', maxWidth: '100%', height: 'auto' }}
          role="group"
          aria-label={summary}
          onKeyDown={onKeyDown}
        >
          <title>{summary}</title>
          <style>{TREE_CSS}</style>
          <defs>
            <clipPath id={clipId}>
              <rect width={width} height={viewHeight} />
            </clipPath>
          </defs>
          <rect width={width} height={svgHeight} fill="#ffffff" />
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
          <g
            ref={surfaceRef}
            className="viewport"
            transform={`translate(0, ${legendHeight})`}
            clipPath={`url(#${clipId})`}
          >
            {/* Catches drags and pinches on the empty part of the view. */}
            <rect className="zoom-surface" width={width} height={viewHeight} fill="transparent" />
            <g className="zoom" transform={transformText(shown)}>
              <g ref={plotRef} className="plot">
                <g className="links" />
                <g className="nodes" />
              </g>
            </g>
          </g>
        </svg>
        {activeNode && tip ? (
          <div
            id={tooltipId}
            role="tooltip"
            className="tree-view-tooltip"
            style={{
              position: 'absolute',
              left: tip.left,
              right: tip.right,
              top: tip.top,
              maxWidth: tip.maxWidth,
              background: '#ffffff',
              border: '1px solid #d1d5db',
              borderRadius: 4,
              padding: '4px 8px',
              font: '12px system-ui, sans-serif',
              pointerEvents: 'none',
              whiteSpace: 'pre-wrap',
              overflowWrap: 'anywhere',
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
