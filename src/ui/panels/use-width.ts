/** The content width of an element, updated on resize (drawings size themselves to their column). */
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** Width of an element's content box (padding excluded), px; 0 where layout is unknown (e.g. jsdom). */
function contentWidth(el: HTMLElement): number {
  const style = getComputedStyle(el);
  const padding = (parseFloat(style.paddingLeft) || 0) + (parseFloat(style.paddingRight) || 0);
  return Math.floor(Math.max(0, el.clientWidth - padding));
}

/**
 * @param ref the element to measure; it may appear after the first render (a view that starts empty), so every
 *   render checks which element the ref holds and observes that one
 * @param fallback width before the first measurement (and where layout is unknown, e.g. jsdom)
 */
export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  const observed = useRef<{ el: HTMLElement; observer: ResizeObserver | null } | null>(null);
  // A layout effect: the element is measured before the browser paints, so a drawing that appears (a page's first
  // run) is never painted once at the fallback width, wider than its column, before ResizeObserver reports.
  // No dependency list on purpose: the element can appear on any render; setWidth runs only when it changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    const el = ref.current;
    if (observed.current?.el === el) return;
    observed.current?.observer?.disconnect();
    observed.current = null;
    if (!el) return;
    const now = contentWidth(el);
    if (now > 0) setWidth(now);
    if (typeof ResizeObserver === 'undefined') {
      observed.current = { el, observer: null };
      return;
    }
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    observed.current = { el, observer };
  });
  useEffect(
    () => () => {
      observed.current?.observer?.disconnect();
      observed.current = null;
    },
    [],
  );
  return width;
}
