/**
 * Builds an ONNX graph node by node. Small constants (shapes, axes, rotary tables) are inline initializers; weights
 * are external initializers laid out in one data file that is filled only when the model is finished, so a weight is
 * decoded straight into its final place (no intermediate copy of the whole model).
 */
import { floatToHalfBits } from '../tensors';
import { encodeModel, DataType } from './proto';
import type { AttrValue, OnnxNode, OnnxTensor, OnnxValueInfo } from './proto';

/** Writes a weight's float32 values into its slot of the external data file. */
export type WeightFill = (dst: Float32Array) => void;

/** A finished model: the protobuf bytes plus the external data file its weights point into. */
export interface BuiltModel {
  /** ModelProto bytes (a few KB). */
  model: Uint8Array;
  /** The name the initializers use as `location`; pass it as `path` in onnxruntime's `externalData`. */
  externalDataPath: string;
  /** Concatenated weights (float32, or float16 where the graph stores them so). */
  externalData: Uint8Array;
  /** 'fp16' when the graph computes its projections in float16 (set by the compiler that built it). */
  precision?: 'fp32' | 'fp16';
}

/** Offsets in the external file are aligned so every weight is a valid Float32Array view (and cache-line friendly). */
const ALIGN = 64;

/** Accumulates nodes, initializers and graph I/O; `finish` serialises the model and fills the weights. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly constCache = new Map<string, string>();
  private readonly fills: { offset: number; count: number; fill: WeightFill; half: boolean }[] = [];
  private externalSize = 0;
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly externalDataPath: string,
  ) {}

  /** Declares a graph input. */
  input(name: string, dataType: DataType, dims: readonly (number | string)[]): string {
    this.inputs.push({ name, dataType, dims });
    return name;
  }

  /** Declares a graph output produced under `name` (pass `name` as the `out` of the producing op). */
  output(name: string, dataType: DataType, dims: readonly (number | string)[]): void {
    this.outputs.push({ name, dataType, dims });
  }

  /** Adds a node with one output and returns the output's name (`out`, or a fresh one). */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttrValue>, out?: string): string {
    const output = out ?? `${opType.toLowerCase()}_${this.counter}`;
    this.nodes.push({ opType, inputs, outputs: [output], name: `n${this.counter++}_${opType}`, attributes });
    return output;
  }

  /** Adds a node with several outputs (e.g. Split). */
  opMulti(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes?: Record<string, AttrValue>,
  ): string[] {
    const id = this.counter++;
    const outputs = Array.from({ length: outputCount }, (_, i) => `${opType.toLowerCase()}_${id}_${i}`);
    this.nodes.push({ opType, inputs, outputs, name: `n${id}_${opType}`, attributes });
    return outputs;
  }

  /** An inline int64 (or int32) constant (deduplicated). Default shape: 1-D of the values' length. */
  ints(
    values: readonly number[],
    dims: readonly number[] = [values.length],
    dataType: typeof DataType.INT64 | typeof DataType.INT32 = DataType.INT64,
  ): string {
    const key = `i${dataType}:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const wide = dataType === DataType.INT64;
    const raw = new Uint8Array(values.length * (wide ? 8 : 4));
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => (wide ? dv.setBigInt64(i * 8, BigInt(v), true) : dv.setInt32(i * 4, v, true)));
    const name = `const_${this.constCache.size}`;
    this.initializers.push({ name, dataType, dims, raw });
    this.constCache.set(key, name);
    return name;
  }

  /** An inline float32 constant (small ones deduplicated). Default shape: 1-D of the values' length. */
  floats(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const data = Float32Array.from(values);
    // Scalars and small vectors repeat (eps, exponents); tables do not, so they skip the key building.
    const key = data.length <= 64 ? `f32:${dims.join('x')}:${data.join(',')}` : `table:${this.counter++}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = `const_${this.constCache.size}`;
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, raw: new Uint8Array(data.buffer) });
    this.constCache.set(key, name);
    return name;
  }

  /**
   * A weight stored in the external data file, float32 or float16; `fill` writes its values (as float32) when the
   * model is finished, and float16 weights are rounded to nearest even there.
   */
  weight(
    name: string,
    dims: readonly number[],
    fill: WeightFill,
    dataType: typeof DataType.FLOAT | typeof DataType.FLOAT16 = DataType.FLOAT,
  ): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const offset = this.externalSize;
    const half = dataType === DataType.FLOAT16;
    const length = count * (half ? 2 : 4);
    this.externalSize = Math.ceil((offset + length) / ALIGN) * ALIGN;
    this.initializers.push({ name, dataType, dims, external: { location: this.externalDataPath, offset, length } });
    this.fills.push({ offset, count, fill, half });
    return name;
  }

  /** Serialises the model and fills the external data file (weights are decoded here, one at a time). */
  finish(opset: number, producer: string): BuiltModel {
    const model = encodeModel({
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opset,
      irVersion: 8, // IR 8 is what opsets 17-20 go with
      producer,
    });
    const buffer = new ArrayBuffer(Math.max(this.externalSize, ALIGN));
    for (const { offset, count, fill, half } of this.fills) {
      if (!half) {
        fill(new Float32Array(buffer, offset, count));
        continue;
      }
      const wide = new Float32Array(count); // one weight at a time, then rounded into its slot
      fill(wide);
      const dst = new Uint16Array(buffer, offset, count);
      for (let i = 0; i < count; i++) dst[i] = floatToHalfBits(wide[i]);
    }
    return {
      model,
      externalDataPath: this.externalDataPath,
      externalData: new Uint8Array(buffer, 0, this.externalSize),
    };
  }
}
