import { describe, expect, it } from 'vitest';
import {
  BAR_MARGIN_BOTTOM,
  BAR_MARGIN_TOP,
  DEFAULT_ROW_STEP,
  MAX_BAR,
  MIN_INNER_HEIGHT,
  MIN_ROW_STEP,
  speedupBarLayout,
  truncateLabel,
} from '../../src/ui/layout/speedup-bars';

const NAMES = ['ar', 'chain:4', 'tree:4x3x2x1', 'sequoia:64:8', 'dyspec:32', 'dyspec-t:0.05:64 on webgpu (long run)'];
const labels = (n: number) => Array.from({ length: n }, (_, i) => `${NAMES[i % NAMES.length]}#${i}`);
const CHAR = 6.5;

describe('speedupBarLayout', () => {
  for (const n of [1, 5, 13, 30]) {
    for (const width of [300, 520, 900]) {
      for (const height of [undefined, 200, 300]) {
        it(`keeps ${n} rows inside the plot, apart, with room for labels (width ${width}, height ${height ?? 'auto'})`, () => {
          const l = speedupBarLayout(labels(n), width, { height, valueChars: 6, charWidth: CHAR });
          const { margin, innerWidth, innerHeight, rows, rowStep, barHeight } = l;
          expect(rows).toHaveLength(n);
          // The whole chart is margins + plot; the plot holds every bar.
          expect(l.height).toBe(margin.top + innerHeight + margin.bottom);
          expect(margin.left + innerWidth + margin.right).toBeLessThanOrEqual(width);
          expect(innerHeight).toBeGreaterThanOrEqual(n * MIN_ROW_STEP);
          expect(rowStep).toBeGreaterThanOrEqual(MIN_ROW_STEP);
          expect(barHeight).toBeGreaterThan(0);
          expect(barHeight).toBeLessThanOrEqual(Math.min(MAX_BAR, rowStep));
          rows.forEach((r, i) => {
            expect(r.barY).toBeGreaterThanOrEqual(0);
            expect(r.barY + barHeight).toBeLessThanOrEqual(innerHeight + 1e-9);
            expect(r.centerY).toBeGreaterThan(r.barY);
            expect(r.centerY).toBeLessThan(r.barY + barHeight);
            // Bars do not overlap, and neighbouring labels (11 px text) are at least MIN_ROW_STEP apart.
            if (i > 0) {
              expect(r.barY).toBeGreaterThanOrEqual(rows[i - 1].barY + barHeight);
              expect(r.centerY - rows[i - 1].centerY).toBeGreaterThanOrEqual(MIN_ROW_STEP - 1e-9);
            }
            // Labels fit left of the plot (with the axis label and the ticks), so they never reach the bars.
            expect(Array.from(r.label).length * CHAR + 30).toBeLessThanOrEqual(margin.left);
          });
          // The widest value label fits right of the longest bar (which ends at the plot's right edge at most).
          expect(6 * CHAR + 4).toBeLessThanOrEqual(margin.right);
          if (height !== undefined && height - BAR_MARGIN_TOP - BAR_MARGIN_BOTTOM >= n * MIN_ROW_STEP) {
            expect(l.height).toBe(height);
          }
        });
      }
    }
  }

  it('derives the height from the number of rows when none is given', () => {
    const h = (n: number) => speedupBarLayout(labels(n), 520).height;
    expect(h(13)).toBe(BAR_MARGIN_TOP + 13 * DEFAULT_ROW_STEP + BAR_MARGIN_BOTTOM);
    expect(h(30)).toBe(BAR_MARGIN_TOP + 30 * DEFAULT_ROW_STEP + BAR_MARGIN_BOTTOM);
    expect(h(30)).toBeGreaterThan(h(13));
    expect(h(13)).toBeGreaterThan(h(5));
    // Few rows (or none, for the empty state) still get a readable plot.
    expect(h(0)).toBe(BAR_MARGIN_TOP + MIN_INNER_HEIGHT + BAR_MARGIN_BOTTOM);
    expect(h(1)).toBe(h(0));
  });

  it('grows past a wanted height that is too small for the rows', () => {
    const l = speedupBarLayout(labels(30), 520, { height: 250 });
    expect(l.height).toBe(BAR_MARGIN_TOP + 30 * MIN_ROW_STEP + BAR_MARGIN_BOTTOM);
    expect(l.rowStep).toBe(MIN_ROW_STEP);
    const roomy = speedupBarLayout(labels(2), 520, { height: 400 });
    expect(roomy.height).toBe(400);
    expect(roomy.barHeight).toBe(MAX_BAR);
  });

  it('shortens long names to the room left of the plot and keeps short ones whole', () => {
    const long = 'dyspec-t:0.05:64 on webgpu with a very long label';
    const narrow = speedupBarLayout(['ar', long], 300);
    expect(narrow.rows[0].label).toBe('ar');
    expect(narrow.rows[1].label.endsWith('…')).toBe(true);
    expect(Array.from(narrow.rows[1].label)).toHaveLength(narrow.maxLabelChars);
    expect(narrow.margin.left).toBeLessThanOrEqual(0.4 * 300);
    const wide = speedupBarLayout(['ar', 'dyspec:32'], 900);
    expect(wide.rows.map((r) => r.label)).toEqual(['ar', 'dyspec:32']);
    // Short names keep a small margin, so the bars get the width.
    expect(wide.margin.left).toBeLessThan(speedupBarLayout(['ar', long], 900).margin.left);
  });
});

describe('truncateLabel', () => {
  it('cuts by code points and marks the cut', () => {
    expect(truncateLabel('chain:4', 7)).toBe('chain:4');
    expect(truncateLabel('chain:4', 6)).toBe('chain…');
    expect(truncateLabel('😀😀😀', 2)).toBe('😀…');
    expect(truncateLabel('abc', 1)).toBe('…');
    expect(truncateLabel('abc', 0)).toBe('');
  });
});
