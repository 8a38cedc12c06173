/**
 * The key/value cache between forward calls. The graph takes `past` and returns `present` = past + n rows; the cache
 * keeps `present` as the next `past`, and `commit(keep)` gathers the kept rows along the sequence axis.
 *
 * Two homes: CPU typed arrays (WASM; the gather is a few memmoves) and GPU buffers (WebGPU; the gather is a tiny
 * second ONNX graph, so the cache never crosses the bus).
 */
import * as ort from 'onnxruntime-web';
import { checkKeep } from './checks';
import { buildGatherGraph, gatherNames } from './gather-graph';
import { ioNames } from './llama-graph';

/** Cache geometry: every tensor is [1, kvHeads, rows, headDim]. */
export interface KvShape {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
}

/** What the model needs from a cache, whatever its home. */
export interface KvCache {
  readonly rows: number;
  /** The `past_key_values.*` feeds for the next run. */
  pastFeeds(): Record<string, ort.Tensor>;
  /** Adopts the run's `present.*` outputs (rows = past + n) as the cache. */
  takePresent(outputs: ort.InferenceSession.OnnxValueMapType, rows: number): void;
  commit(keep: readonly number[]): Promise<void>;
  reset(): void;
  dispose(): Promise<void>;
}

function emptyFeeds(shape: KvShape): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const dims = [1, shape.numKvHeads, 0, shape.headDim];
  for (let l = 0; l < shape.numLayers; l++) {
    feeds[ioNames.pastKey(l)] = new ort.Tensor('float32', new Float32Array(0), dims);
    feeds[ioNames.pastValue(l)] = new ort.Tensor('float32', new Float32Array(0), dims);
  }
  return feeds;
}

function isIdentity(keep: readonly number[], rows: number): boolean {
  return keep.length === rows && keep.every((r, j) => r === j);
}

/**
 * Gathers rows `keep` of a [heads, rowsIn, width] buffer into [heads, keep.length, width]. In place when `keep` is
 * strictly increasing (then every destination sits at or before its source, so forward memmoves never clobber an
 * unread row); runs of consecutive rows move as one block, so the usual "prefix + accepted path" is one memmove
 * per head plus a few rows.
 * @returns the gathered buffer (`buf` itself or a new one)
 */
export function gatherRows(
  buf: Float32Array,
  heads: number,
  rowsIn: number,
  width: number,
  keep: readonly number[],
): Float32Array {
  const k = keep.length;
  const increasing = keep.every((r, j) => j === 0 || r > keep[j - 1]);
  const dst = increasing ? buf : new Float32Array(heads * k * width);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < k;) {
      let run = 1;
      while (j + run < k && keep[j + run] === keep[j] + run) run++;
      const src = (h * rowsIn + keep[j]) * width;
      const to = (h * k + j) * width;
      if (increasing) {
        if (src !== to) dst.copyWithin(to, src, src + run * width);
      } else {
        dst.set(buf.subarray(src, src + run * width), to);
      }
      j += run;
    }
  }
  return dst;
}

/** The cache as CPU typed arrays (WASM backend). */
export class CpuKvCache implements KvCache {
  rows = 0;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];

  constructor(private readonly shape: KvShape) {}

  pastFeeds(): Record<string, ort.Tensor> {
    if (this.rows === 0) return emptyFeeds(this.shape);
    const { numLayers, numKvHeads: kvh, headDim: hd } = this.shape;
    const size = kvh * this.rows * hd;
    const dims = [1, kvh, this.rows, hd];
    const feeds: Record<string, ort.Tensor> = {};
    for (let l = 0; l < numLayers; l++) {
      // After an in-place commit the buffers are longer than the cache: feed the live prefix only.
      feeds[ioNames.pastKey(l)] = new ort.Tensor('float32', this.keys[l].subarray(0, size), dims);
      feeds[ioNames.pastValue(l)] = new ort.Tensor('float32', this.values[l].subarray(0, size), dims);
    }
    return feeds;
  }

  takePresent(outputs: ort.InferenceSession.OnnxValueMapType, rows: number): void {
    // onnxruntime-web copies CPU outputs out of the WASM heap, so these arrays are ours to modify.
    this.keys = [];
    this.values = [];
    for (let l = 0; l < this.shape.numLayers; l++) {
      this.keys.push(outputs[ioNames.presentKey(l)].data as Float32Array);
      this.values.push(outputs[ioNames.presentValue(l)].data as Float32Array);
    }
    this.rows = rows;
  }

  async commit(keep: readonly number[]): Promise<void> {
    checkKeep(keep, this.rows);
    if (isIdentity(keep, this.rows)) return;
    const { numKvHeads: kvh, headDim: hd } = this.shape;
    this.keys = this.keys.map((b) => gatherRows(b, kvh, this.rows, hd, keep));
    this.values = this.values.map((b) => gatherRows(b, kvh, this.rows, hd, keep));
    this.rows = keep.length;
  }

  reset(): void {
    this.keys = [];
    this.values = [];
    this.rows = 0;
  }

  async dispose(): Promise<void> {
    this.reset();
  }
}

/** The cache as GPU buffers (WebGPU backend); commit runs a Gather graph on the GPU. */
export class GpuKvCache implements KvCache {
  rows = 0;
  private tensors: ort.Tensor[] = []; // [key 0, value 0, key 1, value 1, ...]

  private constructor(
    private readonly shape: KvShape,
    private readonly gather: ort.InferenceSession,
  ) {}

  /** @param createSession makes a session on the same backend as the model's, outputs kept on the GPU */
  static async create(
    shape: KvShape,
    createSession: (model: Uint8Array, gpuOutputs: string[]) => Promise<ort.InferenceSession>,
  ): Promise<GpuKvCache> {
    const outputs = [];
    for (let l = 0; l < shape.numLayers; l++) outputs.push(gatherNames.outKey(l), gatherNames.outValue(l));
    return new GpuKvCache(shape, await createSession(buildGatherGraph(shape), outputs));
  }

  pastFeeds(): Record<string, ort.Tensor> {
    if (this.rows === 0) return emptyFeeds(this.shape);
    const feeds: Record<string, ort.Tensor> = {};
    for (let l = 0; l < this.shape.numLayers; l++) {
      feeds[ioNames.pastKey(l)] = this.tensors[2 * l];
      feeds[ioNames.pastValue(l)] = this.tensors[2 * l + 1];
    }
    return feeds;
  }

  private replace(next: ort.Tensor[], rows: number): void {
    for (const t of this.tensors) t.dispose();
    this.tensors = next;
    this.rows = rows;
  }

  takePresent(outputs: ort.InferenceSession.OnnxValueMapType, rows: number): void {
    const next: ort.Tensor[] = [];
    for (let l = 0; l < this.shape.numLayers; l++) {
      next.push(outputs[ioNames.presentKey(l)] as ort.Tensor, outputs[ioNames.presentValue(l)] as ort.Tensor);
    }
    this.replace(next, rows);
  }

  async commit(keep: readonly number[]): Promise<void> {
    checkKeep(keep, this.rows);
    if (isIdentity(keep, this.rows)) return;
    if (keep.length === 0) return this.reset();
    const feeds: Record<string, ort.Tensor> = {
      [gatherNames.keep]: new ort.Tensor(
        'int64',
        BigInt64Array.from(keep, (r) => BigInt(r)),
        [keep.length],
      ),
    };
    for (let l = 0; l < this.shape.numLayers; l++) {
      feeds[gatherNames.inKey(l)] = this.tensors[2 * l];
      feeds[gatherNames.inValue(l)] = this.tensors[2 * l + 1];
    }
    const out = await this.gather.run(feeds);
    const next: ort.Tensor[] = [];
    for (let l = 0; l < this.shape.numLayers; l++) {
      next.push(out[gatherNames.outKey(l)] as ort.Tensor, out[gatherNames.outValue(l)] as ort.Tensor);
    }
    this.replace(next, keep.length);
  }

  reset(): void {
    this.replace([], 0);
  }

  async dispose(): Promise<void> {
    this.reset();
    await this.gather.release();
  }
}
