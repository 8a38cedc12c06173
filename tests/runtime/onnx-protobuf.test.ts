/** The protobuf writer against hand-encoded bytes (protobuf encoding guide), and the ONNX model envelope. */
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../src/runtime/onnx/protobuf';
import { buildGatherGraph } from '../../src/runtime/onnx/gather-graph';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('ProtoWriter', () => {
  it('varints', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().int(2, 0).finish())).toBe('10 00');
    // Negative int64 is its 64-bit two's complement: ten bytes.
    expect(hex(new ProtoWriter().int(1, -1).finish())).toBe('08 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().int(1, 2n ** 40n).finish())).toBe('08 80 80 80 80 80 20');
  });

  it('strings, floats, packed fields and nested messages', () => {
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('22 06 03 8e 02 9e a7 05');
    expect(hex(new ProtoWriter().packedInts(4, []).finish())).toBe('');
    expect(hex(new ProtoWriter().packedFloats(1, [1, -2]).finish())).toBe('0a 08 00 00 80 3f 00 00 00 c0');
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)).finish())).toBe('1a 03 08 96 01');
  });

  it('grows past its initial buffer', () => {
    const big = new Uint8Array(10_000).fill(7);
    const out = new ProtoWriter().bytes(1, big).finish();
    expect(out.length).toBe(3 + 10_000);
    expect(hex(out.subarray(0, 3))).toBe('0a 90 4e');
  });
});

describe('ModelProto envelope', () => {
  it('starts with ir_version 8 and names the producer', () => {
    const model = buildGatherGraph({ numLayers: 1, numKvHeads: 2, headDim: 4 });
    expect(hex(model.subarray(0, 2))).toBe('08 08');
    expect(new TextDecoder().decode(model)).toContain('specdec-playground');
  });
});
