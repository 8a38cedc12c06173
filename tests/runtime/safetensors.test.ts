import { describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '../../src/runtime/config';
import { SafetensorsError } from '../../src/runtime/errors';
import {
  checkLlamaTensors,
  expectedLlamaTensors,
  mergeShards,
  parseSafetensors,
  parseShardIndex,
} from '../../src/runtime/safetensors';
import type { TensorMap } from '../../src/runtime/types';
import { encodeAs, fixtureConfigJson, writeSafetensors } from '../helpers/fixture-model';

const bytesOf = (values: number[], dtype: 'F32' | 'F16' | 'BF16') => encodeAs(values, dtype);

/** A file with a hand-written header (to corrupt it at will) and `dataBytes` bytes of data. */
function rawFile(header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

describe('parseSafetensors', () => {
  it('round-trips F32, F16 and BF16 tensors as views into the buffer', () => {
    const file = writeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 2], data: bytesOf([1, -2, 3.5, 0], 'F32') },
        { name: 'b', dtype: 'F16', shape: [3], data: bytesOf([1, 0.5, -2], 'F16') },
        { name: 'c', dtype: 'BF16', shape: [1, 2], data: bytesOf([1, -1], 'BF16') },
      ],
      { format: 'pt' },
    );
    const tensors = parseSafetensors(file);
    expect([...tensors.keys()]).toEqual(['a', 'b', 'c']);
    const a = tensors.get('a')!;
    expect(a.dtype).toBe('F32');
    expect(a.shape).toEqual([2, 2]);
    expect(a.data.buffer).toBe(file.buffer); // no copy
    expect(Array.from(new Float32Array(a.data.slice().buffer))).toEqual([1, -2, 3.5, 0]);
    const b = tensors.get('b')!;
    expect(Array.from(new Uint16Array(b.data.slice().buffer))).toEqual([0x3c00, 0x3800, 0xc000]);
    const c = tensors.get('c')!;
    expect(Array.from(new Uint16Array(c.data.slice().buffer))).toEqual([0x3f80, 0xbf80]);
  });

  it('reads a file that sits at an offset inside a larger buffer', () => {
    const file = writeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: bytesOf([7], 'F32') }]);
    const big = new Uint8Array(file.length + 13);
    big.set(file, 5);
    const x = parseSafetensors(big.subarray(5, 5 + file.length)).get('x')!;
    expect(new DataView(x.data.buffer, x.data.byteOffset, 4).getFloat32(0, true)).toBe(7);
  });

  it('names the file for a header length beyond the file', () => {
    const file = rawFile({}, 0);
    new DataView(file.buffer).setBigUint64(0, 1000n, true);
    expect(() => parseSafetensors(file, 'w.safetensors')).toThrow(
      /w\.safetensors: header length 1000 runs past the end/,
    );
    expect(() => parseSafetensors(new Uint8Array(3), 'w.safetensors')).toThrow(SafetensorsError);
  });

  it('rejects an invalid JSON header', () => {
    expect(() => parseSafetensors(rawFile(null, 0, '{"a": '), 'm.safetensors')).toThrow(
      /m\.safetensors: invalid JSON header/,
    );
    expect(() => parseSafetensors(rawFile([1, 2], 0))).toThrow(/invalid JSON header \(not an object\)/);
  });

  it('names an unknown or unsupported dtype', () => {
    const entry = (dtype: string) => ({ w: { dtype, shape: [1], data_offsets: [0, 4] } });
    expect(() => parseSafetensors(rawFile(entry('Q4_K'), 4))).toThrow(/tensor "w": dtype "Q4_K" is unknown/);
    expect(() => parseSafetensors(rawFile(entry('I32'), 4))).toThrow(/dtype "I32" is not supported/);
  });

  it('detects truncated data', () => {
    const file = rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 10);
    expect(() => parseSafetensors(file, 'm.safetensors')).toThrow(
      /m\.safetensors: tensor "w": data_offsets \[0, 16\] run past the end of the data \(10 bytes\): file truncated/,
    );
  });

  it('detects offsets inconsistent with shape and dtype', () => {
    const file = rawFile({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 8] } }, 8);
    expect(() => parseSafetensors(file)).toThrow(/hold 8 bytes but shape \[2, 3\] of F16 needs 12/);
    const reversed = rawFile({ w: { dtype: 'F16', shape: [0], data_offsets: [4, 2] } }, 8);
    expect(() => parseSafetensors(reversed)).toThrow(/are not \[begin, end\]/);
  });
});

describe('sharded checkpoints', () => {
  const shardA = parseSafetensors(
    writeSafetensors([{ name: 'a', dtype: 'F32', shape: [1], data: bytesOf([1], 'F32') }]),
  );
  const shardB = parseSafetensors(
    writeSafetensors([{ name: 'b', dtype: 'F32', shape: [1], data: bytesOf([2], 'F32') }]),
  );

  it('merges shards by the index', () => {
    const index = parseShardIndex({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } });
    expect(index.files).toEqual(['s1.safetensors', 's2.safetensors']);
    const merged = mergeShards(
      index,
      new Map([
        ['s1.safetensors', shardA],
        ['s2.safetensors', shardB],
      ]),
    );
    expect([...merged.keys()].sort()).toEqual(['a', 'b']);
  });

  it('rejects a bad index and a tensor missing from its shard', () => {
    expect(() => parseShardIndex({})).toThrow(/model\.safetensors\.index\.json: no "weight_map"/);
    expect(() => parseShardIndex({ weight_map: { a: '../x.safetensors' } })).toThrow(/not a \.safetensors file name/);
    const index = parseShardIndex({ weight_map: { a: 's1.safetensors', b: 's1.safetensors' } });
    expect(() => mergeShards(index, new Map([['s1.safetensors', shardA]]))).toThrow(
      /s1\.safetensors: tensor "b" is listed in the index but not in the shard/,
    );
  });
});

describe('checkLlamaTensors', () => {
  const config = parseLlamaConfig(fixtureConfigJson({ config: { tie_word_embeddings: false } }));
  const full = (): TensorMap =>
    new Map(
      expectedLlamaTensors(config).map(({ name, shape }) => [
        name,
        { dtype: 'F32', shape, data: new Uint8Array(shape.reduce((a, b) => a * b, 1) * 4) },
      ]),
    );

  it('accepts a complete checkpoint, with padding rows past the tokenizer vocabulary', () => {
    expect(() => checkLlamaTensors(full(), config, { tokenizerVocabSize: config.vocabSize - 8 })).not.toThrow();
  });

  it('names a missing tensor and its expected shape', () => {
    const t = full();
    t.delete('model.layers.1.mlp.up_proj.weight');
    expect(() => checkLlamaTensors(t, config)).toThrow(
      'model.safetensors: missing tensor "model.layers.1.mlp.up_proj.weight", expected shape [32, 16]',
    );
    const u = full();
    u.delete('lm_head.weight');
    expect(() => checkLlamaTensors(u, config)).toThrow(/lm_head\.weight.*tie_word_embeddings is false/);
  });

  it('names a mismatching shape and the expected one', () => {
    const t = full();
    t.set('model.layers.0.self_attn.k_proj.weight', { dtype: 'F32', shape: [16, 16], data: new Uint8Array(1024) });
    expect(() => checkLlamaTensors(t, config)).toThrow(
      'tensor "model.layers.0.self_attn.k_proj.weight" has shape [16, 16], expected [8, 16]',
    );
  });

  it('rejects a tokenizer with more tokens than embedding rows', () => {
    expect(() => checkLlamaTensors(full(), config, { tokenizerVocabSize: config.vocabSize + 1 })).toThrow(
      /tokenizer has 273 tokens but the embedding has only 272 rows/,
    );
  });

  it('expects q/k/v biases for qwen2', () => {
    const qwen = parseLlamaConfig(fixtureConfigJson({ config: { model_type: 'qwen2' } }));
    const names = expectedLlamaTensors(qwen).map((t) => t.name);
    expect(names).toContain('model.layers.0.self_attn.k_proj.bias');
    expect(names).not.toContain('lm_head.weight');
  });
});
