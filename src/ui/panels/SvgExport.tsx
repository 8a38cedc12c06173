/**
 * "SVG" and "PNG" buttons for a drawn <svg> (the tree view or a chart), found inside a container element.
 */
import { useState, type RefObject } from 'react';
import { downloadBlob, svgToBlob, svgToPngBlob } from '../export-svg';

/** Props of SvgExport. */
export interface SvgExportProps {
  /** Element holding the <svg>. */
  container: RefObject<HTMLElement | null>;
  /** CSS selector of the <svg> inside the container. */
  selector: string;
  /** File name without extension. */
  name: string;
  /** Accessible description of what is exported, e.g. "the tree". */
  what: string;
}

/** Export buttons for one drawing. */
export function SvgExport({ container, selector, name, what }: SvgExportProps) {
  const [error, setError] = useState<string | null>(null);
  const find = (): SVGSVGElement | null => container.current?.querySelector<SVGSVGElement>(selector) ?? null;
  const save = async (kind: 'svg' | 'png'): Promise<void> => {
    const svg = find();
    if (!svg) return setError('nothing drawn yet');
    try {
      downloadBlob(kind === 'svg' ? svgToBlob(svg) : await svgToPngBlob(svg), `${name}.${kind}`);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <span className="svg-export">
      <button type="button" onClick={() => void save('svg')} aria-label={`Save ${what} as SVG`}>
        SVG
      </button>
      <button type="button" onClick={() => void save('png')} aria-label={`Save ${what} as PNG`}>
        PNG
      </button>
      {error && <small className="field-error">{error}</small>}
    </span>
  );
}
