/**
 * Feeds a growing token tree to one model, batch by batch, and keeps track of where each node's key/value row
 * sits in that model's cache, so that the accepted path can be kept and everything else dropped afterwards.
 *
 * At the start of a step the model's cache holds the first `cachedLength` tokens of the sequence. The tokens of the
 * sequence after that (`pending`) end with the tree's root; all but the root are fed as a chain together with the
 * first batch (this happens when the last step accepted a leaf the draft never saw, or after the prompt).
 */
import { buildAttentionBias } from './mask';
import type { LanguageModel } from './model';
import type { TokenTree } from './tree';

/** Logits rows returned by one feed. */
export interface FedLogits {
  /** [k, stride] row-major logits, one row per requested node in request order. */
  logits: Float32Array;
  /** Row length (the model's vocabSize, which may exceed the shared vocabulary). */
  stride: number;
}

export class TreeCursor {
  private readonly rows: number[];
  private prefixFed = false;

  /**
   * @param model the model, whose cache holds exactly the committed rows of the sequence
   * @param tree the tree being built or verified (node 0 = root = the last token of the sequence)
   * @param prefix pending tokens of the sequence between the cache and the root, fed as a chain with the first batch
   */
  constructor(
    private readonly model: LanguageModel,
    private readonly tree: TokenTree,
    private readonly prefix: readonly number[],
  ) {
    this.sharedPast = model.pastLength;
    this.rows = [];
  }

  /** Cache rows before this step (visible to every node). */
  readonly sharedPast: number;

  /** Cache row of a node, or -1 if it has not been fed. */
  rowOf(node: number): number {
    return this.rows[node] ?? -1;
  }

  /**
   * Runs the model on `nodes` (their ancestors must have been fed already or come earlier in `nodes`).
   * @returns their logits rows, in the order of `nodes`
   */
  async feed(nodes: readonly number[]): Promise<FedLogits> {
    const tree = this.tree;
    const pastLength = this.model.pastLength;
    const chain = this.prefixFed ? 0 : this.prefix.length;
    const tokens: number[] = [];
    const positions: number[] = [];
    const parentInBatch: number[] = [];
    const visibleCacheRows: number[][] = [];
    const rootPosition = this.sharedPast + this.prefix.length;
    for (let j = 0; j < chain; j++) {
      tokens.push(this.prefix[j]);
      positions.push(this.sharedPast + j);
      parentInBatch.push(j - 1);
      visibleCacheRows.push([]);
    }
    const batchIndex = new Map<number, number>();
    for (const node of nodes) {
      if (this.rowOf(node) >= 0) throw new Error(`node ${node} was already fed`);
      const parent = tree.parents[node];
      const visible: number[] = [];
      const parentIdx = parent < 0 ? chain - 1 : (batchIndex.get(parent) ?? -1);
      // Ancestors fed in earlier calls are cache rows; those in this batch are reached through parentInBatch.
      for (let a = parent; a >= 0; a = tree.parents[a]) {
        if (batchIndex.has(a)) continue;
        const row = this.rowOf(a);
        if (row < 0) throw new Error(`node ${node}: ancestor ${a} has not been fed`);
        visible.push(row);
      }
      // The pending prefix, when fed in an earlier call, is cache rows too.
      if (this.prefixFed) for (let j = 0; j < this.prefix.length; j++) visible.push(this.sharedPast + j);
      batchIndex.set(node, tokens.length);
      tokens.push(tree.tokens[node]);
      positions.push(rootPosition + tree.depths[node]);
      parentInBatch.push(parentIdx);
      visibleCacheRows.push(visible);
    }
    const bias = buildAttentionBias({ pastLength, sharedPast: this.sharedPast, parentInBatch, visibleCacheRows });
    const all = await this.model.forward(tokens, positions, bias); // [chain + k, stride]
    const stride = this.model.vocabSize;
    nodes.forEach((node, i) => (this.rows[node] = pastLength + chain + i));
    this.prefixFed = true;
    return { logits: all.subarray(chain * stride), stride };
  }

  /**
   * Keeps the committed rows, the pending prefix and the fed nodes of `path` (root first); drops the rest.
   * @returns how many tokens of `path` are now in the cache (a prefix of the path; the rest stay pending)
   */
  async commit(path: readonly number[]): Promise<number> {
    const keep: number[] = [];
    for (let r = 0; r < this.sharedPast; r++) keep.push(r);
    if (this.prefixFed) for (let j = 0; j < this.prefix.length; j++) keep.push(this.sharedPast + j);
    let kept = 0;
    for (const node of path) {
      const row = this.rowOf(node);
      if (row < 0) break;
      keep.push(row);
      kept++;
    }
    await this.model.commit(keep);
    return kept;
  }
}
