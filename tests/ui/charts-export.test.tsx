// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpeedupBarChart } from '../../src/ui/charts';
import { downloadBlob, svgSize, svgToString } from '../../src/ui/export-svg';
import { TreeView } from '../../src/ui/tree/TreeView';
import { EVIL, sampleStep, tokenText } from './layout-fixtures';

afterEach(cleanup);

describe('svgToString', () => {
  it('serialises a chart as standalone SVG with one namespace declaration and explicit size', () => {
    const { container } = render(
      <SpeedupBarChart
        rows={[
          {
            strategy: 'chain:4',
            family: 'chain',
            sources: ['model'],
            budget: 4,
            tau: 2,
            speedup: 1.5,
            tokensPerSecond: 30,
            acceptanceRatePerDepth: [],
          },
        ]}
        width={400}
        height={250}
      />,
    );
    const svg = container.querySelector('svg')!;
    const text = svgToString(svg);
    expect(text.startsWith('<?xml')).toBe(true);
    expect(text.match(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g)).toHaveLength(1);
    expect(text).toContain('width="400"');
    expect(text).toContain('height="250"');
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    expect(doc.querySelector('parsererror')).toBeNull();
    expect(doc.querySelectorAll('rect.bar')).toHaveLength(1);
    // The page's SVG is not modified.
    expect(svg.getAttribute('style')).toContain('max-width');
  });

  it('keeps token text escaped in the exported tree', () => {
    const { container } = render(<TreeView step={sampleStep()} tokenText={tokenText} />);
    const text = svgToString(container.querySelector('svg')!);
    expect(text).not.toContain(EVIL);
    expect(text).toContain('&lt;img␣src=x␣…');
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    expect(doc.querySelector('parsererror')).toBeNull();
    expect(doc.getElementsByTagName('img')).toHaveLength(0);
    expect(doc.querySelectorAll('g.node')).toHaveLength(8);
  });

  it('sizes an svg from its viewBox when it has no width/height', () => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 120 80');
    expect(svgSize(svg)).toEqual({ width: 120, height: 80 });
  });
});

describe('downloadBlob', () => {
  it('clicks a temporary download link', () => {
    const saved = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    const create = vi.fn(() => 'blob:fake');
    const revoke = vi.fn();
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    downloadBlob(new Blob(['x']), 'tree.svg');
    expect(create).toHaveBeenCalledTimes(1);
    expect(click).toHaveBeenCalledTimes(1);
    const anchor = click.mock.contexts[0] as HTMLAnchorElement;
    expect(anchor.download).toBe('tree.svg');
    expect(document.querySelector('a[download]')).toBeNull();
    click.mockRestore();
    Object.assign(URL, saved);
  });
});
