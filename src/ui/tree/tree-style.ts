/** The tree view's stylesheet, embedded in its <svg> so that exported drawings keep it. */
import { CHART_COLORS, FONT_FAMILY, MONO_FONT_FAMILY, TOKEN_COLORS } from '../theme';

/** CSS for the tree view (scoped by the `.tree-view-svg` class). */
export const TREE_CSS = `
.tree-view-svg { font-family: ${FONT_FAMILY}; font-size: 11px; }
.tree-view-svg .node text { font-family: ${MONO_FONT_FAMILY}; fill: ${CHART_COLORS.text}; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.tree-view-svg .node { cursor: default; outline: none; }
.tree-view-svg .node:focus-visible circle, .tree-view-svg .node.active circle { stroke: ${CHART_COLORS.focus}; stroke-width: 3px; }
.tree-view-svg .node-unvisited text { fill: ${TOKEN_COLORS.unvisited}; }
.tree-view-svg .node-rejected text { fill: ${TOKEN_COLORS.rejected}; }
.tree-view-svg .link { fill: none; }
.tree-view-svg .zoom-surface { cursor: grab; }
.tree-view-svg .legend text { fill: ${CHART_COLORS.text}; }
`;
