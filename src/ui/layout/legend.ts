/** Positions of legend entries laid out in rows (pure maths; text widths are estimated from character counts). */

/** One placed legend entry. */
export interface LegendItemLayout {
  label: string;
  x: number;
  y: number;
}

/**
 * Places swatch + label entries left to right, wrapping to a new row when `maxWidth` is reached.
 * @param swatch room for the swatch and the gap before the label (px)
 * @param gap space after each entry (px)
 * @returns the entries and the total height used
 */
export function legendLayout(
  labels: readonly string[],
  maxWidth: number,
  { charWidth = 6.5, swatch = 18, gap = 16, rowHeight = 18 } = {},
): { items: LegendItemLayout[]; height: number } {
  const items: LegendItemLayout[] = [];
  let x = 0;
  let y = 0;
  for (const label of labels) {
    const w = swatch + label.length * charWidth + gap;
    if (x > 0 && x + w > maxWidth) {
      x = 0;
      y += rowHeight;
    }
    items.push({ label, x, y });
    x += w;
  }
  return { items, height: labels.length === 0 ? 0 : y + rowHeight };
}
