/**
 * Exporting a drawn <svg> (tree view or chart): as standalone SVG text with the styles it needs inlined, as a PNG
 * via an <img> and a <canvas>, and saving a Blob as a file.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Style properties that change how SVG renders, with whether they inherit and their initial value. */
const STYLE_PROPS: readonly [name: string, inherited: boolean, initial: string][] = [
  ['fill', true, 'rgb(0, 0, 0)'],
  ['fill-opacity', true, '1'],
  ['stroke', true, 'none'],
  ['stroke-width', true, '1px'],
  ['stroke-opacity', true, '1'],
  ['stroke-dasharray', true, 'none'],
  ['stroke-linecap', true, 'butt'],
  ['stroke-linejoin', true, 'miter'],
  ['paint-order', true, 'normal'],
  ['font-family', true, ''],
  ['font-size', true, ''],
  ['font-weight', true, '400'],
  ['font-style', true, 'normal'],
  ['text-anchor', true, 'start'],
  ['visibility', true, 'visible'],
  ['opacity', false, '1'],
  ['display', false, 'inline'],
  ['dominant-baseline', false, 'auto'],
  ['text-decoration', false, 'none'],
];

/** Inline declarations for `el`: properties that differ from what the parent passes down or from the initial value. */
function inlineDeclarations(style: CSSStyleDeclaration, parent: CSSStyleDeclaration | null): string {
  const out: string[] = [];
  for (const [name, inherited, initial] of STYLE_PROPS) {
    const value = style.getPropertyValue(name).trim();
    if (!value) continue;
    if (inherited && parent && parent.getPropertyValue(name).trim() === value) continue;
    if ((!inherited || !parent) && value === initial) continue;
    out.push(`${name}:${value}`);
  }
  return out.join(';');
}

/** Width and height of an <svg> in px: its attributes, else its viewBox, else its layout box. */
export function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const w = parseFloat(svg.getAttribute('width') ?? '');
  const h = parseFloat(svg.getAttribute('height') ?? '');
  if (w > 0 && h > 0) return { width: w, height: h };
  const vb = (svg.getAttribute('viewBox') ?? '').split(/[\s,]+/).map(Number);
  if (vb.length === 4 && vb[2] > 0 && vb[3] > 0) return { width: vb[2], height: vb[3] };
  const box = svg.getBoundingClientRect();
  return { width: box.width || 300, height: box.height || 150 };
}

/**
 * Serialises an <svg> for standalone viewing: a clone with the computed styles that matter inlined (so CSS from the
 * page travels along), explicit width/height, and the SVG namespaces. The page's <svg> is left untouched.
 */
export function svgToString(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const view = svg.ownerDocument.defaultView;
  if (view) {
    const sources = [svg as Element, ...Array.from(svg.querySelectorAll('*'))];
    const targets = [clone as Element, ...Array.from(clone.querySelectorAll('*'))];
    const styles = new Map<Element, CSSStyleDeclaration>();
    sources.forEach((src, i) => {
      const style = view.getComputedStyle(src);
      styles.set(src, style);
      const parentStyle = src === svg || !src.parentElement ? null : (styles.get(src.parentElement) ?? null);
      const decl = inlineDeclarations(style, parentStyle);
      const target = targets[i];
      if (i === 0) target.removeAttribute('style');
      if (decl) {
        const own = target.getAttribute('style');
        target.setAttribute('style', own ? `${own};${decl}` : decl);
      }
    });
  }
  const { width, height } = svgSize(svg);
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${width} ${height}`);
  clone.setAttributeNS(XMLNS_NS, 'xmlns', SVG_NS);
  clone.setAttributeNS(XMLNS_NS, 'xmlns:xlink', XLINK_NS);
  const text = new XMLSerializer().serializeToString(clone);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${text}`;
}

/** The standalone SVG as a Blob (`image/svg+xml`). */
export function svgToBlob(svg: SVGSVGElement): Blob {
  return new Blob([svgToString(svg)], { type: 'image/svg+xml;charset=utf-8' });
}

/**
 * Renders an <svg> to a PNG on a white background, `scale` times its size (2 = sharp on high-DPI screens).
 * @throws when the image cannot be decoded or the canvas cannot produce a PNG
 */
export async function svgToPngBlob(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const { width, height } = svgSize(svg);
  const url = URL.createObjectURL(svgToBlob(svg));
  try {
    const image = new Image();
    image.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the SVG could not be drawn as an image'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser has no 2D canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas produced no PNG'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Saves a Blob as a file through a temporary download link. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
