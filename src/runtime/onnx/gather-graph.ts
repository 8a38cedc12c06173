/**
 * A tiny ONNX graph that gathers kept rows of every cache tensor along the sequence axis: the WebGPU cache commit,
 * so GPU-resident keys and values never travel to the CPU and back.
 */
import { DataType } from './proto';
import { GraphBuilder } from './graph-builder';
import { LLAMA_OPSET } from './llama-graph';

/** I/O names of the gather graph. */
export const gatherNames = {
  keep: 'keep',
  inKey: (i: number) => `in.${i}.key`,
  inValue: (i: number) => `in.${i}.value`,
  outKey: (i: number) => `out.${i}.key`,
  outValue: (i: number) => `out.${i}.value`,
};

/**
 * Inputs: keep [k] int64, in.{i}.key|value [1, kvHeads, rows, headDim]; outputs out.{i}.key|value
 * [1, kvHeads, k, headDim] with out[:, :, j] = in[:, :, keep[j]].
 * @returns the ModelProto bytes (no weights)
 */
export function buildGatherGraph(shape: { numLayers: number; numKvHeads: number; headDim: number }): Uint8Array {
  const g = new GraphBuilder('kv-gather', 'unused.bin');
  const keep = g.input(gatherNames.keep, DataType.INT64, ['k']);
  const dims = (rows: string) => [1, shape.numKvHeads, rows, shape.headDim];
  for (let l = 0; l < shape.numLayers; l++) {
    for (const [inName, outName] of [
      [gatherNames.inKey(l), gatherNames.outKey(l)],
      [gatherNames.inValue(l), gatherNames.outValue(l)],
    ]) {
      g.op('Gather', [g.input(inName, DataType.FLOAT, dims('rows')), keep], { axis: 2 }, outName);
      g.output(outName, DataType.FLOAT, dims('k'));
    }
  }
  return g.finish(LLAMA_OPSET, 'specdec-playground').model;
}
