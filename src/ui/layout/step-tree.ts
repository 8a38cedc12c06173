/**
 * The view model of one step's token tree: every tree node classified for drawing (root, accepted path, rejected,
 * unvisited) with the draft source that drew it, plus one extra node for the target's bonus token, attached to the
 * last accepted node; and the tree's legend entries.
 */
import type { NodeDecision, StepRecord } from '../../core/step';
import { DRAFT_SOURCES, type DraftSourceName } from '../../core/strategy';
import { displayToken, formatProb } from './display-token';

/** How a node is drawn. */
export type TreeNodeKind = 'root' | 'accepted' | 'rejected' | 'unvisited' | 'bonus';

/** One node of the drawn tree (a tree node or the bonus). */
export interface TreeViewNode {
  /** Index in the view's node list: tree nodes keep their tree index, the bonus comes last. */
  id: number;
  /** Tree node index, or null for the bonus. */
  node: number | null;
  /** View id of the parent, -1 for the root. */
  parent: number;
  kind: TreeNodeKind;
  /** Whether the node lies on the accepted path (the root and the accepted draft tokens). */
  onPath: boolean;
  tokenId: number;
  /** Raw token text (for tooltips, rendered as text). */
  text: string;
  /** Short visible label (whitespace escaped, cut). */
  label: string;
  /** Draft probability q at the parent (null for the bonus). */
  draftProb: number | null;
  /** Target probability p at the parent, when the verifier computed it. */
  targetProb: number | null;
  /** Rank among siblings in sampling order (null for the root and the bonus). */
  rank: number | null;
  /** The builder's estimate of reaching the node (null for the bonus). */
  estimate: number | null;
  /** The verifier's decision, or 'bonus'. */
  decision: NodeDecision | 'bonus';
  /** The draft source that drew the node (its parent's expansion); null for the root and the bonus. */
  source: DraftSourceName | null;
  /** For the bonus: whether it made it into the output (false when the run was cut at EOS / max tokens). */
  emitted: boolean;
}

/** Characters kept in a node label. */
export const LABEL_CHARS = 12;

/**
 * Builds the drawn nodes of a step: tree nodes in index order (parents before children), then the bonus.
 * @param tokenText decodes one token id to its text
 */
export function stepTreeNodes(step: StepRecord, tokenText: (id: number) => string): TreeViewNode[] {
  const { tree } = step;
  const n = tree.tokens.length;
  if (tree.parents.length !== n || step.decisions.length !== n) {
    throw new RangeError(`step ${step.index}: tree arrays and decisions differ in length`);
  }
  const path = step.acceptedPath.length > 0 ? step.acceptedPath : [0];
  const onPath = new Set(path);
  const nodes: TreeViewNode[] = [];
  for (let i = 0; i < n; i++) {
    const decision = step.decisions[i];
    const isRoot = tree.parents[i] === -1;
    const kind: TreeNodeKind = isRoot
      ? 'root'
      : onPath.has(i) || decision === 'accepted'
        ? 'accepted'
        : decision === 'rejected'
          ? 'rejected'
          : 'unvisited';
    const text = tokenText(tree.tokens[i]);
    nodes.push({
      id: i,
      node: i,
      parent: tree.parents[i],
      kind,
      onPath: onPath.has(i),
      tokenId: tree.tokens[i],
      text,
      label: displayToken(text, LABEL_CHARS),
      draftProb: isRoot ? null : (tree.draftProbs[i] ?? null),
      targetProb: isRoot ? null : (tree.targetProbs[i] ?? null),
      rank: isRoot ? null : (tree.ranks[i] ?? null),
      estimate: isRoot ? null : (tree.estimates[i] ?? null),
      decision,
      source: isRoot ? null : (tree.sources?.[i] ?? 'model'),
      emitted: false,
    });
  }
  const bonusText = tokenText(step.bonusToken);
  nodes.push({
    id: n,
    node: null,
    parent: path[path.length - 1],
    kind: 'bonus',
    onPath: false,
    tokenId: step.bonusToken,
    text: bonusText,
    label: displayToken(bonusText, LABEL_CHARS),
    draftProb: null,
    targetProb: null,
    rank: null,
    estimate: null,
    decision: 'bonus',
    source: null,
    emitted: step.emitted.length >= path.length,
  });
  return nodes;
}

const DECISION_TEXT: Record<TreeNodeKind, string> = {
  root: 'root: the previous step’s last token',
  accepted: 'accepted by the target',
  rejected: 'rejected by the target',
  unvisited: 'not examined (an ancestor was rejected)',
  bonus: 'bonus: sampled by the target after the accepted path',
};

const SOURCE_TEXT: Record<DraftSourceName, string> = {
  model: 'drawn by the draft model',
  context: 'drawn by the context lookup (prompt and output so far)',
  corpus: 'drawn by the corpus datastore',
};

/**
 * The tooltip lines of a node, also used (joined) as its accessible label. Plain text.
 */
export function describeNode(node: TreeViewNode): string[] {
  const lines = [`token ${JSON.stringify(node.text)} (id ${node.tokenId})`, DECISION_TEXT[node.kind]];
  if (node.source !== null) lines.push(SOURCE_TEXT[node.source]);
  if (node.kind === 'bonus' && !node.emitted) lines.push('not emitted: the run stopped at EOS / max tokens');
  if (node.draftProb !== null) lines.push(`draft q = ${formatProb(node.draftProb)}`);
  if (node.targetProb !== null) lines.push(`target p = ${formatProb(node.targetProb)}`);
  if (node.rank !== null) lines.push(`rank ${node.rank} among siblings`);
  if (node.estimate !== null) lines.push(`estimate ${formatProb(node.estimate)}`);
  return lines;
}

/** The draft sources that drew some node of the tree, in canonical order. */
export function treeSources(nodes: readonly TreeViewNode[]): DraftSourceName[] {
  return DRAFT_SOURCES.filter((s) => nodes.some((n) => n.source === s));
}

/** One entry of the tree's legend: a node kind, the size rule, or a draft source (how its nodes are ringed). */
export type TreeLegendEntry =
  | { type: 'kind'; kind: TreeNodeKind; label: string }
  | { type: 'size'; label: string }
  | { type: 'source'; source: DraftSourceName; label: string };

const LEGEND_KINDS: readonly TreeNodeKind[] = ['root', 'accepted', 'rejected', 'unvisited', 'bonus'];

/**
 * The legend of a tree: every node kind, the size rule, then one entry per draft source present (table sources
 * ring their nodes in their colour; the draft model's nodes have none).
 * @param kindLabels the legend text of each node kind
 * @param sourceLabels the name of each source
 */
export function treeLegend(
  sources: readonly DraftSourceName[],
  kindLabels: Readonly<Record<TreeNodeKind, string>>,
  sourceLabels: Readonly<Record<DraftSourceName, string>>,
): TreeLegendEntry[] {
  return [
    ...LEGEND_KINDS.map((kind) => ({ type: 'kind' as const, kind, label: kindLabels[kind] })),
    { type: 'size', label: 'size ∝ draft probability q' },
    ...sources.map((source) => ({
      type: 'source' as const,
      source,
      label: `${sourceLabels[source]} (${source === 'model' ? 'no ring' : 'ring'})`,
    })),
  ];
}
