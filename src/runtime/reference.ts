/**
 * A plain TypeScript forward pass of the Llama family, the ground truth the ONNX graph is tested against. It follows
 * Hugging Face's modeling_llama step by step (float32 storage, float64 accumulation in dot products) and keeps its
 * own key/value cache as one row per position, so `commit` is a plain re-indexing of row references.
 */
import type { LanguageModel } from '../core/model';
import { checkForwardArgs, checkKeep } from './onnx/checks';
import { ropeInvFreq } from './onnx/rope';
import { toFloat32 } from './tensors';
import type { LlamaConfig, TensorMap } from './types';

interface LayerWeights {
  attnNorm: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  bq: Float32Array | null;
  bk: Float32Array | null;
  bv: Float32Array | null;
  wo: Float32Array;
  mlpNorm: Float32Array;
  wGate: Float32Array;
  wUp: Float32Array;
  wDown: Float32Array;
}

/** y = W x (+ b) for row-major W [out, in]. @returns [out] */
function matVec(w: Float32Array, x: Float32Array, out: number, b: Float32Array | null = null): Float32Array {
  const inp = x.length;
  const y = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let acc = b ? b[o] : 0;
    const row = o * inp;
    for (let i = 0; i < inp; i++) acc += w[row + i] * x[i];
    y[o] = acc;
  }
  return y;
}

/** x / sqrt(mean(x^2) + eps) * weight. @returns [hidden] */
function rmsNorm(x: Float32Array, weight: Float32Array, eps: number): Float32Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const r = 1 / Math.sqrt(Math.fround(ss / x.length) + eps);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i] * r) * weight[i];
  return out;
}

/** The reference model: same contract as the ONNX one, on the CPU in plain TypeScript. */
export class ReferenceModel implements LanguageModel {
  readonly vocabSize: number;
  readonly maxPositions: number;
  private readonly embed: Float32Array;
  private readonly head: Float32Array;
  private readonly finalNorm: Float32Array;
  private readonly layers: LayerWeights[];
  private readonly invFreq: Float32Array;
  /** Per layer, per cache row: the roped key [kvHeads * headDim] and the value. */
  private keys: Float32Array[][];
  private values: Float32Array[][];

  constructor(
    private readonly config: LlamaConfig,
    tensors: TensorMap,
  ) {
    const get = (name: string) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`missing weight ${name}`);
      return toFloat32(t);
    };
    this.vocabSize = config.vocabSize;
    this.maxPositions = config.maxPositions;
    this.embed = get('model.embed_tokens.weight');
    this.head = config.tieWordEmbeddings ? this.embed : get('lm_head.weight');
    this.finalNorm = get('model.norm.weight');
    this.invFreq = ropeInvFreq(config);
    this.layers = Array.from({ length: config.numLayers }, (_, i) => {
      const p = `model.layers.${i}`;
      const bias = (m: string) => (config.attentionBias ? get(`${p}.self_attn.${m}_proj.bias`) : null);
      return {
        attnNorm: get(`${p}.input_layernorm.weight`),
        wq: get(`${p}.self_attn.q_proj.weight`),
        wk: get(`${p}.self_attn.k_proj.weight`),
        wv: get(`${p}.self_attn.v_proj.weight`),
        bq: bias('q'),
        bk: bias('k'),
        bv: bias('v'),
        wo: get(`${p}.self_attn.o_proj.weight`),
        mlpNorm: get(`${p}.post_attention_layernorm.weight`),
        wGate: get(`${p}.mlp.gate_proj.weight`),
        wUp: get(`${p}.mlp.up_proj.weight`),
        wDown: get(`${p}.mlp.down_proj.weight`),
      };
    });
    this.keys = this.layers.map(() => []);
    this.values = this.layers.map(() => []);
  }

  get pastLength(): number {
    return this.keys[0]?.length ?? 0;
  }

  /** Rotates each head of `x` [heads * headDim] in place by the angles of `position` (HF rotate_half). */
  private rope(x: Float32Array, position: number, heads: number): void {
    const hd = this.config.headDim;
    const half = hd / 2;
    for (let j = 0; j < half; j++) {
      const angle = position * this.invFreq[j]; // exact in float64, like the graph's tables
      const c = Math.fround(Math.cos(angle));
      const s = Math.fround(Math.sin(angle));
      for (let h = 0; h < heads; h++) {
        const a = x[h * hd + j];
        const b = x[h * hd + j + half];
        x[h * hd + j] = a * c - b * s;
        x[h * hd + j + half] = b * c + a * s;
      }
    }
  }

  /** The forward pass; synchronous inside. @returns [n, vocab] logits */
  async forward(tokens: ArrayLike<number>, positions: ArrayLike<number>, bias: Float32Array): Promise<Float32Array> {
    const past = this.pastLength;
    checkForwardArgs(tokens, positions, bias, past, this);
    const { hiddenSize: h, numHeads: nh, numKvHeads: kvh, headDim: hd, intermediateSize: inter } = this.config;
    const n = tokens.length;
    const total = past + n;
    const group = nh / kvh;
    const eps = this.config.rmsNormEps;
    const xs = Array.from(tokens, (t) => this.embed.slice(t * h, (t + 1) * h)); // [n][h]

    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l];
      const qs: Float32Array[] = [];
      for (let i = 0; i < n; i++) {
        // All n new rows enter the cache before anyone attends: the bias, not the order, decides visibility.
        const xn = rmsNorm(xs[i], L.attnNorm, eps);
        const q = matVec(L.wq, xn, nh * hd, L.bq);
        const k = matVec(L.wk, xn, kvh * hd, L.bk);
        this.rope(q, positions[i], nh);
        this.rope(k, positions[i], kvh);
        qs.push(q);
        this.keys[l].push(k);
        this.values[l].push(matVec(L.wv, xn, kvh * hd, L.bv));
      }
      const keys = this.keys[l];
      const values = this.values[l];
      const scores = new Float64Array(total);
      for (let i = 0; i < n; i++) {
        const ctx = new Float32Array(nh * hd);
        for (let head = 0; head < nh; head++) {
          const kvOff = Math.floor(head / group) * hd;
          const qOff = head * hd;
          let max = -Infinity;
          for (let r = 0; r < total; r++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += qs[i][qOff + d] * keys[r][kvOff + d];
            scores[r] = dot / Math.sqrt(hd) + bias[i * total + r];
            if (scores[r] > max) max = scores[r];
          }
          let sum = 0;
          for (let r = 0; r < total; r++) {
            scores[r] = Math.exp(scores[r] - max); // a -Infinity bias gives exactly 0
            sum += scores[r];
          }
          for (let d = 0; d < hd; d++) {
            let acc = 0;
            for (let r = 0; r < total; r++) acc += scores[r] * values[r][kvOff + d];
            ctx[qOff + d] = acc / sum;
          }
        }
        const o = matVec(L.wo, ctx, h);
        for (let d = 0; d < h; d++) xs[i][d] += o[d];
        const xn = rmsNorm(xs[i], L.mlpNorm, eps);
        const gate = matVec(L.wGate, xn, inter);
        const up = matVec(L.wUp, xn, inter);
        for (let d = 0; d < inter; d++) gate[d] = (gate[d] / (1 + Math.exp(-gate[d]))) * up[d]; // silu(gate) * up
        const down = matVec(L.wDown, gate, h);
        for (let d = 0; d < h; d++) xs[i][d] += down[d];
      }
    }

    const logits = new Float32Array(n * this.vocabSize); // [n, vocab]
    for (let i = 0; i < n; i++)
      logits.set(matVec(this.head, rmsNorm(xs[i], this.finalNorm, eps), this.vocabSize), i * this.vocabSize);
    return logits;
  }

  async commit(keep: readonly number[]): Promise<void> {
    checkKeep(keep, this.pastLength);
    this.keys = this.keys.map((rows) => keep.map((r) => rows[r]));
    this.values = this.values.map((rows) => keep.map((r) => rows[r]));
  }

  reset(): void {
    this.keys = this.layers.map(() => []);
    this.values = this.layers.map(() => []);
  }
}
