/**
 * Placement of the text labels of chart points (pure maths; text widths are estimated from character counts):
 * each label goes right of and a little above its point, flips to the left of the point where it would leave the
 * plot, and is nudged up or down, greedily, until it overlaps no label placed before it and no point marker.
 */

/** One label to place, in plot pixels. */
export interface PointLabelRequest {
  /** The point the label names. */
  x: number;
  y: number;
  /** Size of the label's text box. */
  width: number;
  height: number;
}

/** A placed label: where its text goes, and its box. */
export interface PlacedPointLabel {
  /** Text position: `x` is the start (anchor `start`) or the end (anchor `end`) of the text, `y` its middle. */
  x: number;
  y: number;
  anchor: 'start' | 'end';
  /** The box the text occupies (left, top, right, bottom). */
  box: Box;
}

/** An axis-aligned box. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where labels may go and how far they sit from their point. */
export interface PointLabelOptions {
  /** The plot area: labels stay inside it. */
  width: number;
  height: number;
  /** Horizontal gap between a point and its label, px (default 5). */
  dx?: number;
  /** How far above its point a label's middle sits before any nudge, px (default 8). */
  rise?: number;
  /** Radius of the point markers the labels must not cover, px (default 4). */
  markerRadius?: number;
  /** Nudge step, px (default 2). */
  step?: number;
}

/** Whether two boxes overlap (touching edges do not count). */
export function boxesOverlap(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** The estimated text width of a label of `text` at `charWidth` px per character. */
export function labelWidth(text: string, charWidth: number): number {
  return Array.from(text).length * charWidth;
}

/** The label's box with its middle at `y`, on the side its anchor says. */
function boxAt(req: PointLabelRequest, y: number, anchor: 'start' | 'end', dx: number): Box {
  const left = anchor === 'start' ? req.x + dx : req.x - dx - req.width;
  return { left, top: y - req.height / 2, right: left + req.width, bottom: y + req.height / 2 };
}

/** Vertical offsets to try, nearest first, alternating up and down: 0, -s, +s, -2s, +2s, ... */
function nudges(limit: number, step: number): number[] {
  const out = [0];
  for (let d = step; d <= limit; d += step) out.push(-d, d);
  return out;
}

/**
 * Places every label (returned in input order). Labels are placed top to bottom by their points; each takes the
 * nearest vertical offset at which it stays inside the plot and overlaps neither an earlier label nor any point
 * marker. Where no offset is free (a plot too crowded for its labels), the label keeps its unnudged place.
 */
export function placePointLabels(
  requests: readonly PointLabelRequest[],
  options: PointLabelOptions,
): PlacedPointLabel[] {
  const { width, height } = options;
  const dx = options.dx ?? 5;
  const rise = options.rise ?? 8;
  const r = options.markerRadius ?? 4;
  const step = Math.max(0.5, options.step ?? 2);
  const markers: Box[] = requests.map((p) => ({ left: p.x - r, top: p.y - r, right: p.x + r, bottom: p.y + r }));
  const order = requests
    .map((_, i) => i)
    .sort((a, b) => requests[a].y - requests[b].y || requests[a].x - requests[b].x);
  const placed: Box[] = [];
  const out: PlacedPointLabel[] = new Array(requests.length);
  const offsets = nudges(height, step);
  for (const i of order) {
    const req = requests[i];
    const anchor: 'start' | 'end' = req.x + dx + req.width > width && req.x - dx - req.width >= 0 ? 'end' : 'start';
    const base = req.y - rise;
    const inside = (b: Box): boolean => b.top >= 0 && b.bottom <= height;
    const free = (b: Box): boolean =>
      !placed.some((p) => boxesOverlap(p, b)) && !markers.some((m) => boxesOverlap(m, b));
    let y = Math.min(height - req.height / 2, Math.max(req.height / 2, base));
    for (const offset of offsets) {
      const box = boxAt(req, base + offset, anchor, dx);
      if (inside(box) && free(box)) {
        y = base + offset;
        break;
      }
    }
    const box = boxAt(req, y, anchor, dx);
    placed.push(box);
    out[i] = { x: anchor === 'start' ? req.x + dx : req.x - dx, y, anchor, box };
  }
  return out;
}
