/**
 * Compiles a Llama-family model (Llama, SmolLM2, Qwen2, TinyLlama, Mistral) into an ONNX graph that takes an
 * arbitrary additive attention bias, so one call can score a whole token tree (DESIGN.md §3).
 *
 * Inputs:  input_ids [1, n] int64, position_ids [1, n] int64, attention_bias [1, 1, n, past + n] float32,
 *          past_key_values.{i}.key|value [1, kvHeads, past, headDim] float32
 * Outputs: logits [1, n, vocab], present.{i}.key|value [1, kvHeads, past + n, headDim]
 *
 * Only standard ONNX ops (opset 17) so the WASM and WebGPU execution providers both run it; onnxruntime's own graph
 * optimiser fuses the RMSNorm pattern and transposed MatMuls where it can.
 *
 * Precision 'fp16' (WebGPU adapters with `shader-f16`): the projection and embedding matrices are stored as float16
 * and every projection runs in float16 (its input is cast down, its output back up), which halves the weight memory
 * and bandwidth; norms, rotary embeddings, attention scores and softmax, the residual stream and the KV cache stay
 * float32, so long sums and exponentials keep their range.
 */
import type { LlamaConfig, TensorMap } from '../types';
import { decodeInto } from '../tensors';
import { DataType } from './proto';
import { GraphBuilder } from './graph-builder';
import type { BuiltModel } from './graph-builder';
import { ropeTables } from './rope';

/** Opset of the emitted graph (ReduceMean still takes `axes` as an attribute at 17). */
export const LLAMA_OPSET = 17;

/** Name of the external data file inside the model (the `path` of onnxruntime's `externalData`). */
export const EXTERNAL_DATA_PATH = 'weights.bin';

/** Graph input/output names, shared with the session code. */
export const ioNames = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  attentionBias: 'attention_bias',
  logits: 'logits',
  pastKey: (i: number) => `past_key_values.${i}.key`,
  pastValue: (i: number) => `past_key_values.${i}.value`,
  presentKey: (i: number) => `present.${i}.key`,
  presentValue: (i: number) => `present.${i}.value`,
};

/** How projections multiply (both give the same logits). */
export type WeightLayout = 'gemm' | 'matmul';

/** Compute precision of the projections. */
export type GraphPrecision = 'fp32' | 'fp16';

/** Options of the graph compiler. */
export interface LlamaGraphOptions {
  /** 'fp32' (default) or 'fp16' projections (see the file comment). */
  precision?: GraphPrecision;
  /**
   * 'gemm' (default): weights keep Hugging Face's [out, in] layout and every projection is a Gemm with transB = 1,
   * so nothing is transposed and a tied LM head reads the embedding matrix itself. 'matmul': transposed [in, out]
   * copies feed plain MatMuls (some execution providers have faster MatMul kernels; costs a second copy of a tied
   * embedding).
   */
  weightLayout?: WeightLayout;
}

/** Shape checks and fills for the weights, stacking several tensors by rows into one fused matrix. */
class WeightSource {
  constructor(
    private readonly tensors: TensorMap,
    private readonly transpose: boolean,
    /** Element type of the 2-D weights (matrices); vectors (norms) stay float32. */
    private readonly matrixType: typeof DataType.FLOAT | typeof DataType.FLOAT16 = DataType.FLOAT,
  ) {}

  private check(name: string, expected: readonly number[]): void {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`weight ${name} has shape [${t.shape.join(', ')}], expected [${expected.join(', ')}]`);
    }
  }

  /**
   * Registers `parts` ([name, rows], each [rows, ...dims[1:]]) stacked by rows as one weight of shape `dims`.
   * 2-D weights are stored in the matrices' element type (transposed in the 'matmul' layout); vectors are float32,
   * except a bias added to a matrix product (`bias`), which takes the product's type.
   */
  add(
    g: GraphBuilder,
    name: string,
    dims: readonly number[],
    parts: readonly [string, number][],
    bias = false,
  ): string {
    for (const [part, rows] of parts) this.check(part, [rows, ...dims.slice(1)]);
    const stack = (dst: Float32Array) => {
      let offset = 0;
      for (const [part] of parts) {
        const t = this.tensors.get(part)!;
        const count = t.shape.reduce((x, y) => x * y, 1);
        decodeInto(t, dst.subarray(offset, offset + count));
        offset += count;
      }
    };
    if (dims.length !== 2) return g.weight(name, dims, stack, bias ? this.matrixType : DataType.FLOAT);
    if (!this.transpose) return g.weight(name, dims, stack, this.matrixType);
    const [r, c] = dims;
    const transposed = (dst: Float32Array) => {
      const tmp = new Float32Array(r * c);
      stack(tmp);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[j * r + i] = tmp[i * c + j];
    };
    return g.weight(`${name}.T`, [c, r], transposed, this.matrixType);
  }
}

/**
 * Builds the graph and the external weight file.
 * @param tensors Hugging Face-named weights (F32, F16 or BF16; widened to F32 here)
 */
export function buildLlamaGraph(config: LlamaConfig, tensors: TensorMap, options: LlamaGraphOptions = {}): BuiltModel {
  const {
    hiddenSize: h,
    numHeads: nh,
    numKvHeads: kvh,
    headDim: hd,
    intermediateSize: inter,
    vocabSize: vocab,
  } = config;
  if (nh % kvh !== 0) throw new Error(`numHeads ${nh} is not a multiple of numKvHeads ${kvh}`);
  if (hd % 2 !== 0) throw new Error(`headDim ${hd} must be even for rotary embeddings`);
  const group = nh / kvh;
  const matmul = options.weightLayout === 'matmul';
  const fp16 = options.precision === 'fp16';
  const matrixType = fp16 ? DataType.FLOAT16 : DataType.FLOAT;
  const w = new WeightSource(tensors, matmul, matrixType);
  const g = new GraphBuilder(`${config.modelType}-tree-attention`, EXTERNAL_DATA_PATH);

  /** x [n, in] (float32) times a stored matrix, in the matrices' precision; returns float32. */
  const linear = (x: string, weight: string, bias?: string) => {
    const input = fp16 ? g.op('Cast', [x], { to: DataType.FLOAT16 }) : x;
    let y: string;
    if (!matmul) y = g.op('Gemm', bias ? [input, weight, bias] : [input, weight], { transB: 1 });
    else y = bias ? g.op('Add', [g.op('MatMul', [input, weight]), bias]) : g.op('MatMul', [input, weight]);
    return fp16 ? g.op('Cast', [y], { to: DataType.FLOAT }) : y;
  };
  /** A weight checked against its expected shape; `parts` ([name, rows]) are stacked by rows into one matrix. */
  const param = (name: string, dims: readonly number[], parts: readonly [string, number][] = [[name, dims[0]]]) =>
    w.add(g, name, dims, parts);
  const rmsNorm = (x: string, weight: string) => {
    // x / sqrt(mean(x^2) + eps) * weight: the pattern onnxruntime fuses into SimplifiedLayerNormalization.
    const ms = g.op('ReduceMean', [g.op('Pow', [x, g.floats([2], [])])], { axes: [-1], keepdims: 1 });
    const normed = g.op('Div', [x, g.op('Sqrt', [g.op('Add', [ms, g.floats([config.rmsNormEps], [])])])]);
    return g.op('Mul', [normed, weight]);
  };

  // ---- inputs
  const ids = g.input(ioNames.inputIds, DataType.INT64, [1, 'n']);
  const pos = g.input(ioNames.positionIds, DataType.INT64, [1, 'n']);
  const bias = g.input(ioNames.attentionBias, DataType.FLOAT, [1, 1, 'n', 'total']);

  // ---- embeddings: [n, h]
  const embedName = 'model.embed_tokens.weight';
  const embed = new WeightSource(tensors, false, matrixType).add(g, embedName, [vocab, h], [[embedName, vocab]]); // rows
  let x = g.op('Gather', [embed, g.op('Reshape', [ids, g.ints([-1])])], { axis: 0 });
  if (fp16) x = g.op('Cast', [x], { to: DataType.FLOAT }); // the residual stream is float32

  // ---- rotary tables, once for all layers: cos/sin [n, hd]; the query's copies carry the 1/sqrt(hd) score scale.
  // Angles come from two small float64-computed tables (rope.ts explains why not Sin/Cos): p = block * hi + lo.
  const tables = ropeTables(config);
  const half = hd / 2;
  const p32 = g.op('Cast', [g.op('Reshape', [pos, g.ints([-1])])], { to: DataType.INT32 }); // [n]
  const block = g.ints([tables.block], [], DataType.INT32);
  const hi = g.op('Div', [p32, block]); // integer division: positions are >= 0
  const lo = g.op('Sub', [p32, g.op('Mul', [hi, block])]);
  const rows = (table: Float32Array, index: string) =>
    g.op('Gather', [g.floats(table, [table.length / half, half]), index], { axis: 0 }); // [n, hd/2]
  const [hc, hs] = [rows(tables.hiCos, hi), rows(tables.hiSin, hi)];
  const [lc, ls] = [rows(tables.loCos, lo), rows(tables.loSin, lo)];
  const cosHalf = g.op('Sub', [g.op('Mul', [hc, lc]), g.op('Mul', [hs, ls])]);
  const sinHalf = g.op('Add', [g.op('Mul', [hs, lc]), g.op('Mul', [hc, ls])]);
  const cos = g.op('Concat', [cosHalf, cosHalf], { axis: 1 }); // [n, hd]
  const sin = g.op('Concat', [sinHalf, sinHalf], { axis: 1 });
  const scale = g.floats([1 / Math.sqrt(hd)], []);
  const cosQ = g.op('Mul', [cos, scale]);
  const sinQ = g.op('Mul', [sin, scale]);
  // rotate_half(x) = concat(-x[hd/2:], x[:hd/2]) as x @ R with a signed permutation R: one exact MatMul per tensor.
  const rot = new Float32Array(hd * hd);
  for (let j = 0; j < hd / 2; j++) {
    rot[(j + hd / 2) * hd + j] = -1;
    rot[j * hd + j + hd / 2] = 1;
  }
  const rotate = g.floats(rot, [hd, hd]);
  const rope = (t: string, c: string, s: string) =>
    g.op('Add', [g.op('Mul', [t, c]), g.op('Mul', [g.op('MatMul', [t, rotate]), s])]);

  // Each of the `group` query heads sharing a KV head sees the same bias rows: [1, 1, group * n, total].
  const biasRows = group > 1 ? g.op('Tile', [bias, g.ints([1, 1, group, 1])]) : bias;

  const qkvRows = (nh + 2 * kvh) * hd;
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    const attnNorm = param(`${p}.input_layernorm.weight`, [h]);
    const qkvParts = (kind: string): [string, number][] => [
      [`${p}.self_attn.q_proj.${kind}`, nh * hd],
      [`${p}.self_attn.k_proj.${kind}`, kvh * hd],
      [`${p}.self_attn.v_proj.${kind}`, kvh * hd],
    ];
    const wqkv = param(`${p}.self_attn.qkv_proj.weight`, [qkvRows, h], qkvParts('weight'));
    const bqkv = config.attentionBias
      ? w.add(g, `${p}.self_attn.qkv_proj.bias`, [qkvRows], qkvParts('bias'), true)
      : undefined;
    const wo = param(`${p}.self_attn.o_proj.weight`, [h, nh * hd]);
    const mlpNorm = param(`${p}.post_attention_layernorm.weight`, [h]);
    const wGateUp = param(
      `${p}.mlp.gate_up_proj.weight`,
      [2 * inter, h],
      [
        [`${p}.mlp.gate_proj.weight`, inter],
        [`${p}.mlp.up_proj.weight`, inter],
      ],
    );
    const wDown = param(`${p}.mlp.down_proj.weight`, [h, inter]);

    // -- attention
    const qkv = linear(rmsNorm(x, attnNorm), wqkv, bqkv); // [n, (nh + 2 kvh) hd]
    const [q, k, v] = g.opMulti('Split', [qkv, g.ints([nh * hd, kvh * hd, kvh * hd])], 3, { axis: 1 });
    const heads = (t: string, count: number) =>
      g.op('Transpose', [g.op('Reshape', [t, g.ints([1, -1, count, hd])])], { perm: [0, 2, 1, 3] }); // [1, count, n, hd]
    const qr = rope(heads(q, nh), cosQ, sinQ); // [1, nh, n, hd], pre-scaled
    const kr = rope(heads(k, kvh), cos, sin); // [1, kvh, n, hd]
    const pastK = g.input(ioNames.pastKey(i), DataType.FLOAT, [1, kvh, 'past', hd]);
    const pastV = g.input(ioNames.pastValue(i), DataType.FLOAT, [1, kvh, 'past', hd]);
    const presentK = g.op('Concat', [pastK, kr], { axis: 2 }, ioNames.presentKey(i)); // [1, kvh, total, hd]
    const presentV = g.op('Concat', [pastV, heads(v, kvh)], { axis: 2 }, ioNames.presentValue(i));
    g.output(ioNames.presentKey(i), DataType.FLOAT, [1, kvh, 'total', hd]);
    g.output(ioNames.presentValue(i), DataType.FLOAT, [1, kvh, 'total', hd]);
    // Grouped-query attention without copying K/V per query head: the `group` query heads of one KV head are
    // stacked as rows (head h = kv * group + j, HF repeat_kv order), so one MatMul per KV head scores them all.
    const qg = g.op('Reshape', [qr, g.ints([1, kvh, -1, hd])]); // [1, kvh, group n, hd]
    const kt = g.op('Transpose', [presentK], { perm: [0, 1, 3, 2] }); // [1, kvh, hd, total]
    const scores = g.op('Add', [g.op('MatMul', [qg, kt]), biasRows]); // [1, kvh, group n, total]
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('MatMul', [probs, presentV]), g.ints([1, nh, -1, hd])]); // [1, nh, n, hd]
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.ints([-1, nh * hd])]);
    x = g.op('Add', [x, linear(merged, wo)]); // [n, h]

    // -- SwiGLU MLP
    const [gate, up] = g.opMulti('Split', [linear(rmsNorm(x, mlpNorm), wGateUp), g.ints([inter, inter])], 2, {
      axis: 1,
    });
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]); // silu(gate) * up: [n, inter]
    x = g.op('Add', [x, linear(act, wDown)]);
  }

  // ---- head: [1, n, vocab]
  const finalNorm = param('model.norm.weight', [h]);
  const head = config.tieWordEmbeddings
    ? matmul
      ? param(embedName, [vocab, h])
      : embed
    : param('lm_head.weight', [vocab, h]);
  const logits = linear(rmsNorm(x, finalNorm), head); // [n, vocab]
  g.op('Reshape', [logits, g.ints([1, -1, vocab])], undefined, ioNames.logits);
  g.output(ioNames.logits, DataType.FLOAT, [1, 'n', vocab]);
  return { ...g.finish(LLAMA_OPSET, 'specdec-playground'), precision: fp16 ? 'fp16' : 'fp32' };
}
