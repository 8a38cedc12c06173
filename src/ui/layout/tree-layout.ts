/**
 * A tidy layout for token trees, horizontal with the root on the left: x grows with depth, and every subtree
 * occupies its own contiguous band of rows (leaves take consecutive rows in depth-first, sampling order; a parent
 * sits midway between its first and last child). Pure maths, no DOM.
 */

/** Node positions of a laid-out tree, indexed like the input `parents`. */
export interface TreeLayout {
  /** [n] horizontal position: depth * dx. */
  x: number[];
  /** [n] vertical position: row * dy (rows may be fractional for inner nodes). */
  y: number[];
  /** [n] depth, 0 for a root. */
  depth: number[];
  /** [n] children of each node, in index order. */
  children: number[][];
  /** Deepest depth. */
  maxDepth: number;
  /** Number of leaves (rows). */
  leaves: number;
  /** Extent of the positions: maxDepth * dx. */
  width: number;
  /** Extent of the positions: (leaves - 1) * dy. */
  height: number;
}

/** Spacing of a layout. */
export interface TreeLayoutOptions {
  /** Horizontal distance between depths (default 1). */
  dx?: number;
  /** Vertical distance between leaf rows (default 1). */
  dy?: number;
}

/**
 * Lays out a flat tree whose nodes are stored parents-before-children (as TreeRecord does).
 * @param parents [n] parent index per node; -1 marks a root (node 0 must be one)
 * @throws RangeError when a parent index does not point at an earlier node
 */
export function tidyTreeLayout(parents: readonly number[], options: TreeLayoutOptions = {}): TreeLayout {
  const dx = options.dx ?? 1;
  const dy = options.dy ?? 1;
  const n = parents.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const depth = new Array<number>(n).fill(0);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parents[i];
    if (p === -1) {
      roots.push(i);
      continue;
    }
    if (!Number.isInteger(p) || p < 0 || p >= i) {
      throw new RangeError(`node ${i} has parent ${p}: parents must come before their children`);
    }
    children[p].push(i);
    depth[i] = depth[p] + 1;
  }
  if (n > 0 && parents[0] !== -1) throw new RangeError('node 0 must be a root (parent -1)');

  // Leaves get consecutive rows in depth-first order, so every subtree owns a contiguous band of rows.
  const row = new Array<number>(n).fill(0);
  let leaves = 0;
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    const kids = children[node];
    if (kids.length === 0) row[node] = leaves++;
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
  }
  // Children have larger indices than their parents: a reverse sweep places every child before its parent.
  for (let i = n - 1; i >= 0; i--) {
    const kids = children[i];
    if (kids.length > 0) row[i] = (row[kids[0]] + row[kids[kids.length - 1]]) / 2;
  }

  const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
  return {
    x: depth.map((d) => d * dx),
    y: row.map((r) => r * dy),
    depth,
    children,
    maxDepth,
    leaves,
    width: maxDepth * dx,
    height: Math.max(0, leaves - 1) * dy,
  };
}

/** Pixel geometry of a tree drawn in a box. */
export interface FittedTreeLayout extends TreeLayout {
  /** Width of the drawing, margins included (at least the requested width). */
  contentWidth: number;
  /** Height of the drawing, margins included (at least the requested height). */
  contentHeight: number;
  /** Column spacing used. */
  dx: number;
  /** Row spacing used. */
  dy: number;
}

/** Sizing rules of fitTreeLayout. */
export interface FitOptions {
  /** Box to fill. */
  width: number;
  height: number;
  /** Longest label, in characters (columns are widened to fit it). */
  labelChars?: number;
  /** Approximate width of one label character in px (default 7). */
  charWidth?: number;
  /** Margin around the drawing in px (default 16). */
  margin?: number;
  /** Row spacing bounds in px (default 16..40). */
  minDy?: number;
  maxDy?: number;
  /** Largest column spacing in px (default 160). */
  maxDx?: number;
}

/**
 * Lays out a tree in pixels: columns spread to fill `width` (never narrower than a label), rows spread to fill
 * `height` within [minDy, maxDy]. When the tree needs more room than the box the content grows (the view scrolls).
 */
export function fitTreeLayout(parents: readonly number[], options: FitOptions): FittedTreeLayout {
  const margin = options.margin ?? 16;
  const charWidth = options.charWidth ?? 7;
  const minDy = options.minDy ?? 16;
  const maxDy = Math.max(minDy, options.maxDy ?? 40);
  const base = tidyTreeLayout(parents);
  const labelRoom = (options.labelChars ?? 8) * charWidth + 28;
  const columns = Math.max(1, base.maxDepth);
  const availW = options.width - 2 * margin - labelRoom;
  const dx = Math.max(labelRoom, Math.min(options.maxDx ?? 160, availW / columns));
  const rows = Math.max(1, base.leaves - 1);
  const availH = options.height - 2 * margin;
  const dy = base.leaves <= 1 ? maxDy : Math.max(minDy, Math.min(maxDy, availH / rows));
  const drawnH = base.height * (base.leaves <= 1 ? 0 : dy);
  const top = Math.max(margin, (options.height - drawnH) / 2);
  const x = base.x.map((v) => margin + v * dx);
  const y = base.y.map((v) => top + v * dy);
  return {
    ...base,
    x,
    y,
    dx,
    dy,
    width: base.width * dx,
    height: drawnH,
    contentWidth: Math.max(options.width, margin * 2 + base.maxDepth * dx + labelRoom),
    contentHeight: Math.max(options.height, top + drawnH + margin),
  };
}

/**
 * Radius of a node drawn for a token of draft probability q: area grows with q, between `min` and `max`.
 * Unknown q (null / NaN) gets the middle size.
 */
export function nodeRadius(q: number | null, min = 4, max = 11): number {
  if (q === null || !Number.isFinite(q)) return (min + max) / 2;
  const t = Math.sqrt(Math.min(1, Math.max(0, q)));
  return min + (max - min) * t;
}

/** SVG path data of a horizontal link (a cubic curve leaving and entering horizontally). */
export function linkPath(sx: number, sy: number, tx: number, ty: number): string {
  const mx = (sx + tx) / 2;
  return `M${sx},${sy}C${mx},${sy} ${mx},${ty} ${tx},${ty}`;
}

/** Reads the offset of a `translate(x,y)` transform attribute; null when absent or of another form. */
export function parseTranslate(transform: string | null): [number, number] | null {
  if (!transform) return null;
  const m = /^\s*translate\(\s*(-?[\d.e+-]+)(?:[\s,]+(-?[\d.e+-]+))?\s*\)\s*$/.exec(transform);
  if (!m) return null;
  const x = Number(m[1]);
  const y = m[2] === undefined ? 0 : Number(m[2]);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

/** A zoom transform: content point p is drawn at k * p + (x, y). */
export interface ViewTransform {
  k: number;
  x: number;
  y: number;
}

/**
 * The transform that shows a whole `content` box inside a `view` box: scaled down until it fits (never up past
 * `maxScale`, so a small tree keeps its text size), and centred.
 */
export function fitTransform(
  content: { width: number; height: number },
  view: { width: number; height: number },
  maxScale = 1,
): ViewTransform {
  const cw = Math.max(1, content.width);
  const ch = Math.max(1, content.height);
  const k = Math.max(1e-3, Math.min(maxScale, view.width / cw, view.height / ch));
  return { k, x: (view.width - cw * k) / 2, y: (view.height - ch * k) / 2 };
}

/** A tree laid out for a view of fixed size, and the transform that fits it there. */
export interface TreeViewGeometry {
  layout: FittedTreeLayout;
  /** The transform that shows the whole drawing in the view (the "fit" of the zoom). */
  fit: ViewTransform;
}

/**
 * Lays out a tree for a view of `width` x `height` px. Where the tree is wider than the view (deep trees, narrow
 * screens), it is laid out again as tall as it will be scaled down, so that once fitted its rows still spread over
 * the view's height instead of bunching into a strip.
 */
export function treeViewGeometry(parents: readonly number[], options: FitOptions): TreeViewGeometry {
  const view = { width: Math.max(1, options.width), height: Math.max(1, options.height) };
  let layout = fitTreeLayout(parents, options);
  const widthScale = view.width / layout.contentWidth;
  if (widthScale < 1) {
    layout = fitTreeLayout(parents, { ...options, width: layout.contentWidth, height: view.height / widthScale });
  }
  const fit = fitTransform({ width: layout.contentWidth, height: layout.contentHeight }, view);
  return { layout, fit };
}

/** The zoom range of a view whose fit scale is `fitScale`: from half the fit (or half size) up to 4x. */
export function zoomScaleExtent(fitScale: number): [number, number] {
  return [Math.min(fitScale, 1) / 2, 4];
}

/**
 * Where a node's tooltip goes inside a view `width` px wide: right of a node in the left half, left of one in the
 * right half (as a CSS `right` offset), so it never pokes out of the view and widens the page.
 * @param x the node's position in the view, px
 */
export function tooltipPlacement(
  x: number,
  y: number,
  width: number,
  gap = 14,
): { left?: number; right?: number; top: number; maxWidth: number } {
  const inRightHalf = x > width / 2;
  const room = inRightHalf ? x - gap : width - x - gap;
  const maxWidth = Math.max(120, Math.floor(room));
  return inRightHalf
    ? { right: Math.max(0, width - x + gap), top: y + 10, maxWidth }
    : { left: x + gap, top: y + 10, maxWidth };
}
