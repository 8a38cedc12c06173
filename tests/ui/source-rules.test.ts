/**
 * Rules on the UI's source text that tests of rendered output cannot see: model text never reaches an HTML sink,
 * and every file that animates with D3 imports d3-transition itself (the d3 bundle is marked side-effect free, so a
 * production build keeps `selection.transition()` only where d3-transition is imported for its side effect).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx)$/.test(f))
    .map((f) => ({ path: relative(ROOT, join(ROOT, dir, f)), text: readFileSync(join(ROOT, dir, f), 'utf8') }));
}

const UI = [
  ...sources('src/ui'),
  ...sources('src/store'),
  { path: 'src/main.tsx', text: readFileSync(join(ROOT, 'src/main.tsx'), 'utf8') },
];

describe('UI source rules', () => {
  it('finds the sources', () => {
    expect(UI.some((f) => f.path.endsWith('TreeView.tsx'))).toBe(true);
    expect(UI.length).toBeGreaterThan(20);
  });

  it('has no HTML sinks (model text is drawn with .text() / React children only)', () => {
    const sink =
      /dangerouslySetInnerHTML|\.html\s*\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment/;
    expect(UI.filter((f) => sink.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it('imports d3-transition in every file that uses selection.transition() or .interrupt()', () => {
    const animates = UI.filter((f) =>
      /\.(transition|interrupt)\s*\(/.test(f.text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
    );
    expect(animates.map((f) => f.path)).toContain(join('src', 'ui', 'tree', 'TreeView.tsx'));
    for (const f of animates) expect(f.text, f.path).toMatch(/^import 'd3-transition';$/m);
  });
});
