/** Backend selection in Node: WASM, one thread, and a clear reason when WebGPU was asked for. */
import { describe, expect, it } from 'vitest';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import { isNode, selectBackend, wasmThreadCount } from '../../src/runtime/session';
import { causalBias, randomLlama } from '../helpers/random-llama';

describe('backend selection in Node', () => {
  it('runs WASM single-threaded', async () => {
    expect(isNode()).toBe(true);
    expect(wasmThreadCount(8)).toBe(1);
    expect(await selectBackend('wasm', 4)).toEqual({ backend: 'wasm', threads: 1, fp16: false, fallbackReason: null });
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
