/**
 * The float16 graph (what WebGPU adapters with `shader-f16` get): float16 matrices and projections, float32 norms,
 * attention, residual stream and KV cache. onnxruntime-web's WASM backend runs float16 Gemm/MatMul/Cast too, so the
 * graph itself is checked here in Node against the float32 reference; headless Chromium's SwiftShader adapter has no
 * `shader-f16`, so the WebGPU kernels themselves are not exercised by the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argmax } from '../../src/core/sampling';
import { treeAttention } from '../../src/core/mask';
import { fetchModelFiles } from '../../src/runtime/load';
import { buildLlamaGraph } from '../../src/runtime/onnx/llama-graph';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { ReferenceModel } from '../../src/runtime/reference';
import { adapterHasF16 } from '../../src/runtime/session';
import { ALL_VARIANTS, causalBias, maxAbsDiff, randomLlama, randomTokens } from '../helpers/random-llama';
import { bundledDir } from '../helpers/bundled-models';

const PARENTS = [-1, 0, 0, 1, 1, 3, 2];

/** Largest |x| of a logits array, for a tolerance relative to the logits' scale. */
function scale(values: Float32Array): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe.each(ALL_VARIANTS)('float16 graph vs float32 reference: %s', (variant) => {
  it('stays within float16 rounding on a prefix and a tree, and says it runs fp16', async () => {
    const { config, tensors } = randomLlama(variant, 11);
    const ref = new ReferenceModel(config, tensors);
    const { model, backend } = await createOnnxModel(config, tensors, { backend: 'wasm', precision: 'fp16' });
    expect(backend).toMatchObject({ backend: 'wasm', fp16: true });
    const prefix = randomTokens(6, config.vocabSize, 1);
    const positions = prefix.map((_, i) => i);
    const a = await ref.forward(prefix, positions, causalBias(0, prefix.length));
    const b = await model.forward(prefix, positions, causalBias(0, prefix.length));
    // float16 keeps 11 significant bits: a few parts in a thousand of the logits' scale, never float32's 1e-6.
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-2 * scale(a));
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-6 * scale(a));
    const tree = treeAttention(prefix.length, PARENTS);
    const nodes = randomTokens(PARENTS.length, config.vocabSize, 2);
    const ta = await ref.forward(nodes, tree.positions, tree.bias);
    const tb = await model.forward(nodes, tree.positions, tree.bias);
    expect(maxAbsDiff(ta, tb)).toBeLessThanOrEqual(1e-2 * scale(ta));
    await model.dispose();
  });
});

describe('float16 graph layout', () => {
  it('stores the matrices in half the bytes, in both weight layouts', () => {
    const { config, tensors } = randomLlama('llama-untied', 3);
    for (const weightLayout of ['gemm', 'matmul'] as const) {
      const fp32 = buildLlamaGraph(config, tensors, { weightLayout });
      const fp16 = buildLlamaGraph(config, tensors, { weightLayout, precision: 'fp16' });
      expect(fp32.precision).toBe('fp32');
      expect(fp16.precision).toBe('fp16');
      const ratio = fp16.externalData.length / fp32.externalData.length;
      expect(ratio).toBeGreaterThan(0.45); // norms stay float32 and slots are aligned
      expect(ratio).toBeLessThan(0.56);
    }
  });

  it('picks float16 only for adapters with shader-f16', () => {
    const adapter = (features: string[]) => ({ features: new Set(features) });
    expect(adapterHasF16(adapter(['shader-f16', 'timestamp-query']))).toBe(true);
    expect(adapterHasF16(adapter(['subgroups']))).toBe(false);
    expect(adapterHasF16({})).toBe(false);
    expect(adapterHasF16(null)).toBe(false);
  });
});

describe('the bundled target in float16', () => {
  it('keeps the greedy choice wherever float32 has a clear winner', async () => {
    const files = await fetchModelFiles(bundledDir('specdec-target'), { role: 'target' });
    const golden = JSON.parse(readFileSync(join(bundledDir('specdec-target'), '..', 'golden.json'), 'utf8')) as {
      models: Record<string, { cases: { input_ids: number[] }[] }>;
    };
    const ids = golden.models['specdec-target'].cases.flatMap((c) => c.input_ids);
    const { model: full } = await createOnnxModel(files.config, files.tensors, { backend: 'wasm' });
    const { model: half } = await createOnnxModel(files.config, files.tensors, { backend: 'wasm', precision: 'fp16' });
    const positions = ids.map((_, i) => i);
    const a = await full.forward(ids, positions, causalBias(0, ids.length));
    const b = await half.forward(ids, positions, causalBias(0, ids.length));
    const v = files.config.vocabSize;
    let clear = 0;
    for (let i = 0; i < ids.length; i++) {
      const row = a.subarray(i * v, (i + 1) * v);
      const best = argmax(row);
      const second = row.reduce((m, x, j) => (j !== best && x > m ? x : m), -Infinity);
      if (row[best] - second < 0.1) continue; // a near tie may flip under any rounding
      clear++;
      expect(argmax(b, i * v, v)).toBe(best);
    }
    expect(clear).toBeGreaterThan(ids.length / 2);
    expect(maxAbsDiff(a, b)).toBeLessThan(0.1);
    await full.dispose();
    await half.dispose();
  });
});
