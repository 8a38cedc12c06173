/**
 * Layout of the speedup bar chart (pure maths; text widths are estimated from character counts): one horizontal bar
 * per strategy, so the chart grows downwards with the number of rows instead of squeezing bars and labels together.
 * Strategy names sit left of the bars (shortened with an ellipsis when they would not fit), the value right of each
 * bar, and every bar stays inside the plot area whatever the number of rows.
 */

/** Space around the plot area, px. */
export interface BarMargin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** One placed bar. */
export interface BarRowLayout {
  /** The label drawn left of the bar (the strategy, shortened with `…` if needed). */
  label: string;
  /** Top of the row's band and of its bar, px from the top of the plot area. */
  bandY: number;
  barY: number;
  /** Centre line of the row (where its label and value are drawn). */
  centerY: number;
}

/** The chart's geometry. */
export interface SpeedupBarLayout {
  /** Size of the whole chart (the height follows the number of rows). */
  width: number;
  height: number;
  margin: BarMargin;
  innerWidth: number;
  innerHeight: number;
  /** Height of one row's band and of its bar, px. */
  rowStep: number;
  barHeight: number;
  /** The longest label, in characters, that fits left of the bars. */
  maxLabelChars: number;
  rows: BarRowLayout[];
}

/** Layout options. */
export interface SpeedupBarOptions {
  /**
   * Wanted height of the whole chart, px. Rows share it (bars get at most MAX_BAR px thick); when they would get
   * less than MIN_ROW_STEP px each, the chart grows instead. Without it the chart is DEFAULT_ROW_STEP px per row.
   */
  height?: number;
  /** The widest value label, in characters (e.g. `12.34×` is 6). */
  valueChars?: number;
  /** Estimated width of one character of 11 px label text, px. */
  charWidth?: number;
}

/** Margin above the plot (title, reference label) and below it (tick labels, axis label). */
export const BAR_MARGIN_TOP = 40;
export const BAR_MARGIN_BOTTOM = 44;
/** Row heights, px: the default, and the least any row gets (11 px labels on neighbouring rows never touch). */
export const DEFAULT_ROW_STEP = 26;
export const MIN_ROW_STEP = 16;
/** The thickest bar, px, and the share of a row's band a bar fills. */
export const MAX_BAR = 28;
export const BAR_FILL = 0.72;
/** The least plot height, px (room for the empty-state message). */
export const MIN_INNER_HEIGHT = 64;
/** Room left of the tick labels for the rotated axis label, and between tick labels and the axis (tick + gap). */
const AXIS_LABEL_ROOM = 20;
const TICK_ROOM = 10;
/** Labels may take at most this share of the width. */
const MAX_LABEL_SHARE = 0.4;
/** The least left margin and the least plot width, px. */
const MIN_LEFT = 52;
const MIN_INNER_WIDTH = 40;

/** `text` shortened to at most `max` characters (code points), ending in `…` when cut. */
export function truncateLabel(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  return `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Places one bar per label. Rows are stacked top to bottom in the order given; the plot height is the rows' total,
 * so any number of rows fits without bars or labels overlapping.
 * @param labels the strategies, one per bar
 * @param width the chart's full width, px
 */
export function speedupBarLayout(
  labels: readonly string[],
  width: number,
  { height, valueChars = 6, charWidth = 6.5 }: SpeedupBarOptions = {},
): SpeedupBarLayout {
  const n = labels.length;
  const longest = labels.reduce((m, l) => Math.max(m, Array.from(l).length), 1);
  const labelRoom = Math.max(MIN_LEFT, Math.floor(width * MAX_LABEL_SHARE));
  const maxLabelChars = Math.max(1, Math.floor((labelRoom - AXIS_LABEL_ROOM - TICK_ROOM) / charWidth));
  const shownChars = Math.min(longest, maxLabelChars);
  const left = Math.max(MIN_LEFT, Math.ceil(AXIS_LABEL_ROOM + TICK_ROOM + shownChars * charWidth));
  const right = Math.ceil(valueChars * charWidth + 12);
  const margin: BarMargin = { top: BAR_MARGIN_TOP, right, bottom: BAR_MARGIN_BOTTOM, left };
  const innerWidth = Math.max(MIN_INNER_WIDTH, width - left - right);

  const wanted = height === undefined ? n * DEFAULT_ROW_STEP : height - margin.top - margin.bottom;
  const innerHeight = Math.max(MIN_INNER_HEIGHT, wanted, n * MIN_ROW_STEP);
  const rowStep = n > 0 ? innerHeight / n : innerHeight;
  const barHeight = Math.min(MAX_BAR, rowStep * BAR_FILL);
  const rows = labels.map((label, i) => {
    const bandY = i * rowStep;
    return {
      label: truncateLabel(label, maxLabelChars),
      bandY,
      barY: bandY + (rowStep - barHeight) / 2,
      centerY: bandY + rowStep / 2,
    };
  });
  return {
    width,
    height: margin.top + innerHeight + margin.bottom,
    margin,
    innerWidth,
    innerHeight,
    rowStep,
    barHeight,
    maxLabelChars,
    rows,
  };
}
