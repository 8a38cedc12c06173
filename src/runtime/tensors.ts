/**
 * Element-type conversion for weights: safetensors files hold F32, F16 or BF16; the WASM execution provider runs
 * fp32, so everything is widened to F32 before it reaches onnxruntime.
 */
import type { RawTensor, WeightDType } from './types';

/** Bytes per element of a stored dtype. */
export function bytesPerElement(dtype: WeightDType): number {
  return dtype === 'F32' ? 4 : 2;
}

/** Number of elements a shape holds. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

let f16Table: Float32Array | null = null;

/** All 65536 half-precision values widened once (256 KB), so conversion is one table read per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloat(h);
  f16Table = table;
  return table;
}

/** IEEE 754 binary16 bits -> number (exact). */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal (or zero)
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const SCRATCH_F32 = new Float32Array(1);
const SCRATCH_U32 = new Uint32Array(SCRATCH_F32.buffer);

/** number -> IEEE 754 binary16 bits, round to nearest even (for fp16 weights on WebGPU). */
export function floatToHalfBits(value: number): number {
  SCRATCH_F32[0] = value; // shared scratch: this runs once per weight element (hundreds of millions for real models)
  const x = SCRATCH_U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> infinity
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000; // subnormal: make the implicit bit explicit, then shift into place with rounding
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = (mant + half - 1 + ((mant >> shift) & 1)) >> shift;
    return sign | rounded;
  }
  const rounded = mant + 0xfff + ((mant >> 13) & 1);
  if (rounded & 0x800000) {
    mant = 0;
    e += 1;
    if (e >= 0x1f) return sign | 0x7c00;
  } else {
    mant = rounded;
  }
  return sign | (e << 10) | (mant >> 13);
}

/**
 * Widens a stored tensor into `dst` (which must hold exactly its element count). Reads through a copy when the
 * source bytes are not aligned for a typed-array view (safetensors offsets need not be).
 */
export function decodeInto(t: RawTensor, dst: Float32Array): void {
  const count = elementCount(t.shape);
  if (dst.length !== count) throw new Error(`decode: destination holds ${dst.length} elements, tensor has ${count}`);
  const need = count * bytesPerElement(t.dtype);
  if (t.data.byteLength !== need) {
    throw new Error(`tensor of shape [${t.shape.join(', ')}] ${t.dtype} needs ${need} bytes, got ${t.data.byteLength}`);
  }
  const align = bytesPerElement(t.dtype);
  const bytes = t.data.byteOffset % align === 0 ? t.data : t.data.slice();
  if (t.dtype === 'F32') {
    dst.set(new Float32Array(bytes.buffer, bytes.byteOffset, count));
  } else if (t.dtype === 'F16') {
    const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
    const table = halfTable();
    for (let i = 0; i < count; i++) dst[i] = table[src[i]];
  } else {
    // bfloat16 is the top half of a float32: shift the bits up and reinterpret.
    const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
    const out = new Uint32Array(dst.buffer, dst.byteOffset, count);
    for (let i = 0; i < count; i++) out[i] = src[i] << 16;
  }
}

/** A stored tensor as a fresh (or, for aligned F32, shared) Float32Array. */
export function toFloat32(t: RawTensor): Float32Array {
  if (t.dtype === 'F32' && t.data.byteOffset % 4 === 0) {
    const count = elementCount(t.shape);
    if (t.data.byteLength !== count * 4)
      throw new Error(`tensor of shape [${t.shape.join(', ')}] F32 has wrong byte length`);
    return new Float32Array(t.data.buffer, t.data.byteOffset, count);
  }
  const out = new Float32Array(elementCount(t.shape));
  decodeInto(t, out);
  return out;
}

/** Wraps a Float32Array as a RawTensor (F32, sharing the memory). */
export function fromFloat32(data: Float32Array, shape: readonly number[]): RawTensor {
  return { dtype: 'F32', shape: [...shape], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encodes floats as F16 or BF16 raw bytes (for tests and fixtures; BF16 rounds to nearest even). */
export function encodeFloats(values: Float32Array, dtype: WeightDType): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.slice().buffer);
  const out = new Uint16Array(values.length);
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) out[i] = floatToHalfBits(values[i]);
  } else {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) {
      const b = bits[i];
      out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
  }
  return new Uint8Array(out.buffer);
}
