/**
 * A token tree as flat arrays (SpecInfer, ASPLOS 2024): node 0 is the root, the last committed token whose
 * continuations are being guessed; every other node is a draft token. Nodes are stored parent-before-child, so a
 * single pass in index order visits ancestors first (the attention mask and the verifier rely on this).
 */
export class TokenTree {
  /** [n] token id of each node. */
  readonly tokens: number[] = [];
  /** [n] parent index; -1 for the root. */
  readonly parents: number[] = [];
  /** [n] depth; 0 for the root. */
  readonly depths: number[] = [];
  /** [n] the exact draft distribution the node was sampled from ([vocab]); null for the root. */
  readonly sampledFrom: (Float32Array | null)[] = [];
  /** [n] rank among its siblings in sampling order (0 = drawn first); 0 for the root. */
  readonly ranks: number[] = [];
  /** [n] draft probability of the node's token under its parent's full draft distribution; 1 for the root. */
  readonly draftProbs: number[] = [];
  /** [n] the draft's estimate of the probability that verification reaches this node; 1 for the root. */
  readonly estimates: number[] = [];
  /** [n] children in sampling order. */
  readonly children: number[][] = [];

  constructor(rootToken: number) {
    this.push(rootToken, -1, 0, null, 0, 1, 1);
  }

  /** Number of nodes, root included. */
  get size(): number {
    return this.tokens.length;
  }

  /**
   * Adds a draft token under `parent`, drawn from `sampledFrom`.
   * @param draftProb q(token) under the parent's full draft distribution (the first sibling's `sampledFrom`)
   * @param estimate estimated probability that verification reaches the new node
   * @returns the new node's index
   */
  add(parent: number, token: number, sampledFrom: Float32Array, draftProb: number, estimate: number): number {
    if (parent < 0 || parent >= this.size) throw new RangeError(`parent ${parent} is not a node of this tree`);
    const rank = this.children[parent].length;
    const node = this.push(token, parent, this.depths[parent] + 1, sampledFrom, rank, draftProb, estimate);
    this.children[parent].push(node);
    return node;
  }

  /** Node indices from the root down to `node`, both included. */
  pathTo(node: number): number[] {
    const path: number[] = [];
    for (let n = node; n >= 0; n = this.parents[n]) path.push(n);
    return path.reverse();
  }

  /** Deepest depth in the tree (0 for a lone root). */
  get maxDepth(): number {
    return this.depths.reduce((a, b) => Math.max(a, b), 0);
  }

  private push(
    token: number,
    parent: number,
    depth: number,
    from: Float32Array | null,
    rank: number,
    draftProb: number,
    estimate: number,
  ): number {
    this.tokens.push(token);
    this.parents.push(parent);
    this.depths.push(depth);
    this.sampledFrom.push(from);
    this.ranks.push(rank);
    this.draftProbs.push(draftProb);
    this.estimates.push(estimate);
    this.children.push([]);
    return this.tokens.length - 1;
  }
}
