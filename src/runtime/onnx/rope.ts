/**
 * Rotary position embedding: frequencies and angle tables, shared by the ONNX graph and the TypeScript reference.
 * inv_freq is float32 as in Hugging Face; the angle p * inv_freq is exact here (float64) where Hugging Face rounds it
 * to float32 first, a difference of at most p * inv_freq * 2^-24 radians (3e-4 at position 4096), far below what a
 * model notices.
 */
import type { LlamaConfig } from '../types';

/**
 * inv_freq[i] = 1 / theta^(2i / headDim), i < headDim / 2, with llama3-style rope scaling applied when the config
 * has it (Hugging Face `_compute_llama3_parameters`: long wavelengths divided by `factor`, short ones kept, a smooth
 * blend in between).
 * @returns [headDim / 2]
 */
export function ropeInvFreq(config: LlamaConfig): Float32Array {
  const half = config.headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = Math.fround((2 * i) / config.headDim);
    inv[i] = 1 / Math.fround(Math.pow(config.ropeTheta, exponent));
  }
  const s = config.ropeScaling;
  if (!s) return inv;
  const lowFreqWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositions / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const f = inv[i];
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) {
      inv[i] = f / s.factor;
    } else if (wavelen >= highFreqWavelen) {
      const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = ((1 - smooth) * f) / s.factor + smooth * f;
    }
  }
  return inv;
}

/** Rotary cos/sin tables split by the angle-addition formula, so the graph needs no Sin/Cos ops. */
export interface RopeTables {
  /** Positions split as p = block * hi + lo. */
  block: number;
  /** [ceil(maxPositions / block), headDim / 2] cos and sin of hi * block * invFreq */
  hiCos: Float32Array;
  hiSin: Float32Array;
  /** [block, headDim / 2] cos and sin of lo * invFreq */
  loCos: Float32Array;
  loSin: Float32Array;
}

/**
 * cos(p f) = cos(hB f) cos(l f) - sin(hB f) sin(l f), sin(p f) = sin(hB f) cos(l f) + cos(hB f) sin(l f).
 * Two tables of about sqrt(maxPositions) rows each, computed in float64, give every position's angles to float32
 * precision. Why not Sin/Cos ops: WGSL only promises an absolute error of 2^-11 for sin/cos, which on WebGPU put
 * ~1e-3 errors into the logits.
 */
export function ropeTables(config: LlamaConfig): RopeTables {
  const inv = ropeInvFreq(config);
  const half = inv.length;
  const block = Math.max(1, Math.ceil(Math.sqrt(config.maxPositions)));
  const hiRows = Math.ceil(config.maxPositions / block);
  const table = (rows: number, step: number) => {
    const c = new Float32Array(rows * half);
    const s = new Float32Array(rows * half);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < half; j++) {
        const angle = r * step * inv[j];
        c[r * half + j] = Math.cos(angle);
        s[r * half + j] = Math.sin(angle);
      }
    }
    return [c, s];
  };
  const [hiCos, hiSin] = table(hiRows, block);
  const [loCos, loSin] = table(block, 1);
  return { block, hiCos, hiSin, loCos, loSin };
}
