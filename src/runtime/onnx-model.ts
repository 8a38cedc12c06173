/**
 * The LanguageModel contract over onnxruntime-web: the compiled Llama graph (onnx/llama-graph.ts) in one session,
 * its key/value cache kept between calls on the CPU (WASM) or the GPU (WebGPU).
 */
import * as ort from 'onnxruntime-web';
import type { LanguageModel } from '../core/model';
import { checkForwardArgs, finiteBias } from './onnx/checks';
import type { BuiltModel } from './onnx/graph-builder';
import { CpuKvCache, GpuKvCache } from './onnx/kv-cache';
import type { KvCache } from './onnx/kv-cache';
import { buildLlamaGraph, ioNames } from './onnx/llama-graph';
import type { GraphPrecision, LlamaGraphOptions } from './onnx/llama-graph';
import { configureOrt, createSession, selectBackend } from './session';
import type { Backend, BackendInfo, LlamaConfig, TensorMap } from './types';

/**
 * How to compile and run a model. Without `precision`, WebGPU adapters with `shader-f16` get float16 projections
 * and everything else float32.
 */
export interface OnnxModelOptions extends LlamaGraphOptions {
  /** Requested backend; WebGPU falls back to WASM (with a reason) when the browser has none. */
  backend: Backend;
  /** WASM threads (capped, and 1 unless cross-origin isolated or in Node). */
  numThreads?: number;
  /** Where onnxruntime-web's .wasm/.mjs files are served from, when not next to the bundle. */
  wasmPaths?: string;
}

/** A LanguageModel that also owns onnxruntime resources. */
export type OnnxLanguageModel = LanguageModel & {
  /** Releases the sessions and any GPU buffers; the model is unusable afterwards. */
  dispose(): Promise<void>;
};

class OnnxModel implements LanguageModel {
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** Calls are chained so a forward never starts while another (or a commit) still owns the cache. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    config: LlamaConfig,
    private readonly session: ort.InferenceSession,
    private readonly cache: KvCache,
  ) {
    this.vocabSize = config.vocabSize;
    this.maxPositions = config.maxPositions;
  }

  get pastLength(): number {
    return this.cache.rows;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  forward(tokens: ArrayLike<number>, positions: ArrayLike<number>, bias: Float32Array): Promise<Float32Array> {
    return this.enqueue(async () => {
      const past = this.cache.rows;
      checkForwardArgs(tokens, positions, bias, past, this);
      const n = tokens.length;
      const feeds: Record<string, ort.Tensor> = {
        [ioNames.inputIds]: new ort.Tensor(
          'int64',
          BigInt64Array.from(tokens, (t) => BigInt(t)),
          [1, n],
        ),
        [ioNames.positionIds]: new ort.Tensor(
          'int64',
          BigInt64Array.from(positions, (p) => BigInt(p)),
          [1, n],
        ),
        [ioNames.attentionBias]: new ort.Tensor('float32', finiteBias(bias), [1, 1, n, past + n]),
        ...this.cache.pastFeeds(),
      };
      const out = await this.session.run(feeds);
      this.cache.takePresent(out, past + n);
      return out[ioNames.logits].data as Float32Array; // [n, vocab]
    });
  }

  commit(keep: readonly number[]): Promise<void> {
    return this.enqueue(() => this.cache.commit(keep));
  }

  reset(): void {
    this.cache.reset();
  }

  dispose(): Promise<void> {
    return this.enqueue(async () => {
      await this.cache.dispose();
      await this.session.release();
    });
  }
}

/** The fallback reason of a WebGPU session that did not start. */
function sessionFailure(e: unknown): string {
  return `WebGPU requested but not available: session creation failed: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Opens `built` on the selected backend. An adapter is no promise that onnxruntime's WebGPU backend starts (device
 * limits, driver bugs): a failing WebGPU session falls back to WASM, or throws when `toWasm` is false.
 */
async function openOn(
  config: LlamaConfig,
  built: BuiltModel,
  selected: BackendInfo,
  wasmPaths: string | undefined,
  toWasm: boolean,
): Promise<{ model: OnnxLanguageModel; backend: BackendInfo }> {
  const requested: BackendInfo = { ...selected, fp16: built.precision === 'fp16' };
  const backend: BackendInfo = { ...requested, threads: configureOrt(requested, wasmPaths) };
  if (backend.backend !== 'webgpu') return { model: await open(config, built, backend), backend };
  try {
    return { model: await open(config, built, backend), backend };
  } catch (e) {
    if (!toWasm) throw e;
    const wasm: BackendInfo = { ...backend, backend: 'wasm', fallbackReason: sessionFailure(e) };
    return { model: await open(config, built, wasm), backend: wasm };
  }
}

async function open(config: LlamaConfig, built: BuiltModel, backend: BackendInfo): Promise<OnnxLanguageModel> {
  const shape = { numLayers: config.numLayers, numKvHeads: config.numKvHeads, headDim: config.headDim };
  const presents: string[] = [];
  for (let l = 0; l < config.numLayers; l++) presents.push(ioNames.presentKey(l), ioNames.presentValue(l));
  const session = await createSession(backend, {
    model: built.model,
    externalData: [{ path: built.externalDataPath, data: built.externalData }],
    gpuOutputs: presents,
  });
  if (backend.backend !== 'webgpu') return new OnnxModel(config, session, new CpuKvCache(shape));
  try {
    const cache = await GpuKvCache.create(shape, (model, gpuOutputs) => createSession(backend, { model, gpuOutputs }));
    return new OnnxModel(config, session, cache);
  } catch (e) {
    await session.release();
    throw e;
  }
}

/**
 * Compiles a Llama-family model to ONNX and opens it on the requested backend.
 * @param tensors Hugging Face-named weights (F32/F16/BF16; widened to F32)
 */
export async function createOnnxModel(
  config: LlamaConfig,
  tensors: TensorMap,
  options: OnnxModelOptions,
): Promise<{ model: OnnxLanguageModel; backend: BackendInfo }> {
  const selected = await selectBackend(options.backend, options.numThreads);
  const precision = options.precision ?? (selected.backend === 'webgpu' && selected.fp16 ? 'fp16' : 'fp32');
  const build = (p: GraphPrecision) => buildLlamaGraph(config, tensors, { ...options, precision: p });
  if (options.precision || precision === 'fp32')
    return openOn(config, build(precision), selected, options.wasmPaths, true);
  try {
    return await openOn(config, build('fp16'), selected, options.wasmPaths, false);
  } catch (e) {
    // float16 did not start on this WebGPU device: float32 on WebGPU next (then WASM), saying why.
    const retry = await openOn(config, build('fp32'), selected, options.wasmPaths, true);
    const why = `float16 on WebGPU failed (${sessionFailure(e)})`;
    const fallbackReason = retry.backend.fallbackReason ? `${why}; ${retry.backend.fallbackReason}` : why;
    return { model: retry.model, backend: { ...retry.backend, fallbackReason } };
  }
}
