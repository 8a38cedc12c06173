/**
 * A synthetic, table-driven language model for the algorithm tests: the logits of a row are a fixed random
 * function of the last `order` tokens the row can see. It honours the LanguageModel contract to the letter: it
 * keeps a cache of (token, position) rows, reads each row's context from the attention bias, and checks that the
 * visible rows form exactly one causal path 0..pos-1 (so a wrong tree mask fails loudly instead of passing by luck).
 */
import type { LanguageModel } from '../../src/core/model';
import { Rng } from '../../src/core/rng';

export interface TableLmOptions {
  vocab: number;
  /** How many previous tokens the next-token law depends on. */
  order: number;
  seed: number;
  /** Logit scale: larger = peakier distributions. */
  sharpness?: number;
  /** Extra padding rows in the logits beyond `vocab` (filled with -Infinity-like values). */
  paddingRows?: number;
  maxPositions?: number;
  /** Make this model an approximation of another (a draft of a target): its logits plus `sharpness`-scaled noise. */
  like?: TableLm;
}

export class TableLm implements LanguageModel {
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** Forward calls made (for counting target/draft calls in tests). */
  calls = 0;
  /** Total tokens fed. */
  tokensFed = 0;
  private readonly cacheTokens: number[] = [];
  private readonly cachePositions: number[] = [];
  private readonly table = new Map<string, Float32Array>();

  constructor(private readonly options: TableLmOptions) {
    this.vocabSize = options.vocab + (options.paddingRows ?? 0);
    this.maxPositions = options.maxPositions ?? 4096;
  }

  /** How many previous tokens the logits depend on (its own order, or the base model's if that is longer). */
  get contextOrder(): number {
    return Math.max(this.options.order, this.options.like?.contextOrder ?? 0);
  }

  get pastLength(): number {
    return this.cacheTokens.length;
  }

  /** The model's logits after a given context (for computing the exact law in tests). */
  logitsFor(context: readonly number[]): Float32Array {
    const { vocab, seed } = this.options;
    // A model `like` another must see at least as much context as that one, or the cached row would depend on
    // whichever longer context happened to fill it first.
    const order = this.contextOrder;
    const key = context.slice(Math.max(0, context.length - order)).join(',');
    let row = this.table.get(key);
    if (!row) {
      let h = seed >>> 0;
      for (const ch of `${key};`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
      const rng = new Rng(h);
      const sharp = this.options.sharpness ?? 2;
      row = new Float32Array(this.vocabSize).fill(-1e9);
      const base = this.options.like?.logitsFor(context);
      for (let i = 0; i < vocab; i++)
        row[i] = (base ? base[i] : 0) + sharp * (rng.next() * 2 - 1) * (1 + 2 * rng.next());
      this.table.set(key, row);
    }
    return row;
  }

  async forward(tokens: ArrayLike<number>, positions: ArrayLike<number>, bias: Float32Array): Promise<Float32Array> {
    const n = tokens.length;
    const past = this.cacheTokens.length;
    const width = past + n;
    if (positions.length !== n) throw new Error(`positions has ${positions.length} entries for ${n} tokens`);
    if (bias.length !== n * width) throw new Error(`bias has ${bias.length} entries, expected ${n}x${width}`);
    this.calls++;
    this.tokensFed += n;
    for (let i = 0; i < n; i++) {
      this.cacheTokens.push(tokens[i]);
      this.cachePositions.push(positions[i]);
    }
    const out = new Float32Array(n * this.vocabSize); // [n, vocab]
    for (let i = 0; i < n; i++) {
      const visible: number[] = [];
      for (let c = 0; c < width; c++) if (bias[i * width + c] === 0) visible.push(c);
      visible.sort((a, b) => this.cachePositions[a] - this.cachePositions[b]);
      const pos = positions[i];
      if (pos >= this.maxPositions) throw new Error(`position ${pos} >= maxPositions ${this.maxPositions}`);
      visible.forEach((c, j) => {
        if (this.cachePositions[c] !== j) {
          throw new Error(
            `row ${i} (position ${pos}) sees cache row ${c} at position ${this.cachePositions[c]}, not ${j}`,
          );
        }
      });
      if (visible.length !== pos + 1 || visible[visible.length - 1] !== past + i) {
        throw new Error(`row ${i} (position ${pos}) sees ${visible.length} rows, not a causal path ending at itself`);
      }
      out.set(this.logitsFor(visible.map((c) => this.cacheTokens[c])), i * this.vocabSize);
    }
    return out;
  }

  async commit(keep: readonly number[]): Promise<void> {
    const tokens = keep.map((r) => this.cacheTokens[r]);
    const positions = keep.map((r) => this.cachePositions[r]);
    keep.forEach((r) => {
      if (r < 0 || r >= this.cacheTokens.length) throw new Error(`commit: row ${r} is not in the cache`);
    });
    this.cacheTokens.splice(0, this.cacheTokens.length, ...tokens);
    this.cachePositions.splice(0, this.cachePositions.length, ...positions);
    positions.forEach((p, i) => {
      if (p !== i) throw new Error(`commit left row ${i} at position ${p}: the kept rows are not a causal sequence`);
    });
  }

  reset(): void {
    this.cacheTokens.length = 0;
    this.cachePositions.length = 0;
  }

  /** The committed tokens (for tests). */
  get cachedTokens(): readonly number[] {
    return this.cacheTokens;
  }
}
