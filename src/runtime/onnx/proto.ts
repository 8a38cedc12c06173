/**
 * Encoders for the few ONNX protobuf messages a model needs (field numbers from onnx/onnx.proto). Only the fields
 * we use are written; everything else keeps its protobuf default.
 */
import { ProtoWriter } from './protobuf';

/** ONNX TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** A node attribute: ints are written as INT, arrays as INTS/FLOATS, strings as STRING. */
export type AttrValue = number | string | readonly number[] | { floats: readonly number[] } | { float: number };

/** NodeProto. */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Record<string, AttrValue>;
}

/** An initializer: inline little-endian bytes, or a slice of the external data file. */
export interface OnnxTensor {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  raw?: Uint8Array;
  external?: { location: string; offset: number; length: number };
}

/** A graph input/output: element type and shape, where a string dim is symbolic (e.g. `past`). */
export interface OnnxValueInfo {
  name: string;
  dataType: DataType;
  dims: readonly (number | string)[];
}

/** GraphProto plus the ModelProto wrapper fields. */
export interface OnnxModelSpec {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  opset: number;
  irVersion: number;
  producer: string;
}

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

function encodeAttribute(name: string, value: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integer ${value}`);
    return w.int(20, AttrType.INT).int(3, value);
  }
  if (typeof value === 'string') return w.int(20, AttrType.STRING).string(4, value);
  if ('float' in value) return w.int(20, AttrType.FLOAT).float(2, value.float);
  if ('floats' in value) return w.int(20, AttrType.FLOATS).packedFloats(7, value.floats);
  return w.int(20, AttrType.INTS).packedInts(8, value as readonly number[]);
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name).string(4, node.opType);
  for (const [k, v] of Object.entries(node.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  return w;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.dataType).string(8, t.name);
  if (t.external) {
    const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, entry('location', t.external.location));
    w.message(13, entry('offset', String(t.external.offset)));
    w.message(13, entry('length', String(t.external.length)));
    w.int(14, 1); // data_location = EXTERNAL
  } else {
    w.bytes(9, t.raw ?? new Uint8Array(0));
  }
  return w;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, v.dataType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/** Serialises a whole ModelProto. */
export function encodeModel(spec: OnnxModelSpec): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of spec.nodes) graph.message(1, encodeNode(n));
  graph.string(2, spec.name);
  for (const t of spec.initializers) graph.message(5, encodeTensor(t));
  for (const i of spec.inputs) graph.message(11, encodeValueInfo(i));
  for (const o of spec.outputs) graph.message(12, encodeValueInfo(o));
  const opset = new ProtoWriter().string(1, '').int(2, spec.opset);
  return new ProtoWriter().int(1, spec.irVersion).string(2, spec.producer).message(7, graph).message(8, opset).finish();
}
