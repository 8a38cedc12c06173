/** Widening F16/BF16 weights to F32, and the F32 -> F16 rounding used for fixtures. */
import { describe, expect, it } from 'vitest';
import { decodeInto, encodeFloats, floatToHalfBits, halfBitsToFloat, toFloat32 } from '../../src/runtime/tensors';

describe('half precision', () => {
  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const x = halfBitsToFloat(h);
      if (!Number.isNaN(x) && floatToHalfBits(x) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('known values, rounding to nearest even, overflow and underflow', () => {
    expect(halfBitsToFloat(0x3c00)).toBe(1);
    expect(halfBitsToFloat(0xc000)).toBe(-2);
    expect(halfBitsToFloat(0x7bff)).toBe(65504);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    expect(halfBitsToFloat(0x7c00)).toBe(Infinity);
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(floatToHalfBits(1e6)).toBe(0x7c00);
    expect(floatToHalfBits(2 ** -26)).toBe(0);
    expect(floatToHalfBits(3 * 2 ** -26)).toBe(0x0001);
  });
});

describe('decodeInto / toFloat32', () => {
  const values = Float32Array.from([0, 1, -2.5, 3.140625, 1e-3, -65504]);

  it.each(['F32', 'F16', 'BF16'] as const)('%s decodes, also from an unaligned byte offset', (dtype) => {
    const bytes = encodeFloats(values, dtype);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    const unaligned = padded.subarray(1);
    const a = toFloat32({ dtype, shape: [2, 3], data: bytes });
    const b = toFloat32({ dtype, shape: [2, 3], data: unaligned });
    expect(Array.from(b)).toEqual(Array.from(a));
    const tol = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 1e-2;
    values.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThanOrEqual(Math.abs(v) * tol));
  });

  it('bf16 is the top half of the float32 bits', () => {
    const bits = new Uint16Array([0x3f80, 0xc020, 0x0000]); // 1, -2.5, 0
    const out = new Float32Array(3);
    decodeInto({ dtype: 'BF16', shape: [3], data: new Uint8Array(bits.buffer) }, out);
    expect(Array.from(out)).toEqual([1, -2.5, 0]);
  });

  it('rejects a byte length that does not match the shape', () => {
    expect(() => decodeInto({ dtype: 'F16', shape: [4], data: new Uint8Array(6) }, new Float32Array(4))).toThrow(
      'needs 8 bytes, got 6',
    );
  });
});
