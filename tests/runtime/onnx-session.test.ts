/** Backend selection in Node: WASM, one thread unless asked, and a clear reason when WebGPU was asked for. */
import { describe, expect, it } from 'vitest';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { isNode, MAX_WASM_THREADS, selectBackend, wasmThreadCount } from '../../src/runtime/session';
import { causalBias, randomLlama } from '../helpers/random-llama';

describe('backend selection in Node', () => {
  it('runs WASM on one thread unless more are asked for, at most MAX_WASM_THREADS', async () => {
    expect(isNode()).toBe(true);
    expect(wasmThreadCount()).toBe(1);
    expect(wasmThreadCount(2)).toBe(2);
    expect(wasmThreadCount(8)).toBe(MAX_WASM_THREADS);
    expect(wasmThreadCount(0)).toBe(1);
    expect(await selectBackend('wasm')).toEqual({ backend: 'wasm', threads: 1, fp16: false, fallbackReason: null });
    expect((await selectBackend('wasm', 3)).threads).toBe(3);
  });

  it('falls back from WebGPU to WASM and says why', async () => {
    const { config, tensors } = randomLlama('llama-tied', 1);
    const { model, backend } = await createOnnxModel(config, tensors, { backend: 'webgpu' });
    expect(backend.backend).toBe('wasm');
    expect(backend.fallbackReason).toBe('WebGPU requested but not available: Node has no WebGPU');
    expect((await model.forward([1], [0], causalBias(0, 1))).length).toBe(config.vocabSize);
    await model.dispose();
  });
});
