/**
 * Tree attention (SpecInfer, ASPLOS 2024): each new row sees the cache rows shared by everyone (the committed
 * prefix), the cache rows of its own ancestors fed in earlier calls, the earlier new rows that are its ancestors,
 * and itself. Nothing else, so sibling branches never see each other and one forward scores the whole tree.
 */

/** Additive bias value for a blocked position. */
export const BLOCKED = -Infinity;

/** One batch of new rows to be appended after `pastLength` cache rows. */
export interface BiasSpec {
  /** Rows already in the cache. */
  pastLength: number;
  /** Cache rows [0, sharedPast) are visible to every new row (the committed sequence). */
  sharedPast: number;
  /** [k] for each new row, the parent within this batch (an earlier index) or -1. */
  parentInBatch: readonly number[];
  /** [k] for each new row, the cache rows >= sharedPast it may also see (its ancestors fed earlier). */
  visibleCacheRows: readonly (readonly number[])[];
}

/**
 * @returns [k, pastLength + k] row-major additive bias: 0 where attention is allowed, -Infinity elsewhere
 */
export function buildAttentionBias(spec: BiasSpec): Float32Array {
  const { pastLength, sharedPast, parentInBatch, visibleCacheRows } = spec;
  const k = parentInBatch.length;
  const width = pastLength + k;
  const bias = new Float32Array(k * width).fill(BLOCKED); // [k, past + k]
  for (let i = 0; i < k; i++) {
    const row = i * width;
    bias.fill(0, row, row + sharedPast);
    for (const r of visibleCacheRows[i]) {
      if (r < sharedPast || r >= pastLength)
        throw new RangeError(`cache row ${r} is outside [${sharedPast}, ${pastLength})`);
      bias[row + r] = 0;
    }
    for (let a = i; a >= 0;) {
      bias[row + pastLength + a] = 0;
      const parent = parentInBatch[a];
      // A parent at or after its child would loop forever (or point at a row that is not an ancestor).
      if (parent >= a) throw new RangeError(`row ${a}: parent ${parent} must come before its child`);
      a = parent;
    }
  }
  return bias;
}

/**
 * The common case: a whole tree fed at once after `past` committed rows.
 * @param parents [n] parent of each node (-1 for the root), parents before children
 * @returns the bias [n, past + n] and the positions [n] = past + depth
 */
export function treeAttention(past: number, parents: readonly number[]): { bias: Float32Array; positions: number[] } {
  const positions: number[] = [];
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i];
    if (p >= i) throw new RangeError(`node ${i}: parent ${p} must come before its child`);
    positions.push(p < 0 ? past : positions[p] + 1);
  }
  const bias = buildAttentionBias({
    pastLength: past,
    sharedPast: past,
    parentInBatch: parents,
    visibleCacheRows: parents.map(() => []),
  });
  return { bias, positions };
}
