/** The content width of an element, updated on resize (drawings size themselves to their column). */
import { useEffect, useRef, useState, type RefObject } from 'react';

/**
 * @param ref the element to measure; it may appear after the first render (a view that starts empty), so every
 *   render checks which element the ref holds and observes that one
 * @param fallback width before the first measurement (and where ResizeObserver is missing, e.g. jsdom)
 */
export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  const observed = useRef<{ el: HTMLElement; observer: ResizeObserver } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (observed.current?.el === el) return;
    observed.current?.observer.disconnect();
    observed.current = null;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    observed.current = { el, observer };
  });
  useEffect(
    () => () => {
      observed.current?.observer.disconnect();
      observed.current = null;
    },
    [],
  );
  return width;
}
