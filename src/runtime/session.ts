/**
 * Backend selection and onnxruntime-web session creation. WebGPU is used when it was asked for and the browser
 * hands out an adapter; otherwise WASM, with the reason recorded so the UI can say why it is slower than expected.
 */
import * as ort from 'onnxruntime-web';
import type { Backend, BackendInfo } from './types';

/** More WASM threads than this rarely helps a small model and starves the UI thread. */
export const MAX_WASM_THREADS = 4;

/** True when running under Node (tests, CLI): no WebGPU, and WASM runs single-threaded. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The part of a WebGPU adapter the runtime reads. */
export interface GpuAdapterLike {
  features?: { has(feature: string): boolean };
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
  hardwareConcurrency?: number;
}

function browserNavigator(): GpuNavigator | undefined {
  return typeof navigator === 'undefined' ? undefined : (navigator as unknown as GpuNavigator);
}

/** True when the adapter can run float16 shaders (WebGPU's `shader-f16` feature). */
export function adapterHasF16(adapter: GpuAdapterLike | null): boolean {
  return adapter?.features?.has('shader-f16') ?? false;
}

/** The WebGPU adapter, or why WebGPU cannot be used here. */
async function webGpuAdapter(): Promise<{ adapter: GpuAdapterLike } | { reason: string }> {
  if (isNode()) return { reason: 'Node has no WebGPU' };
  const gpu = browserNavigator()?.gpu;
  if (!gpu) return { reason: 'this browser has no navigator.gpu (WebGPU disabled or unsupported)' };
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? { adapter } : { reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  } catch (e) {
    return { reason: `navigator.gpu.requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * WASM threads: in Node (CLI, tests) `requested` or 1, capped at MAX_WASM_THREADS (onnxruntime runs its pool on
 * worker_threads there); in a browser `requested` (or hardwareConcurrency) capped at the cores and MAX_WASM_THREADS,
 * but only when the page is cross-origin isolated (COOP/COEP), since threads need SharedArrayBuffer.
 */
export function wasmThreadCount(requested?: number): number {
  if (isNode()) return Math.max(1, Math.min(Math.floor(requested ?? 1), MAX_WASM_THREADS));
  if (typeof crossOriginIsolated === 'undefined' || !crossOriginIsolated) return 1;
  const cores = browserNavigator()?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(requested ?? cores, cores, MAX_WASM_THREADS));
}

/**
 * Decides the backend actually used for a request: WebGPU (in float16 where the adapter has `shader-f16`) when asked
 * for and available, else WASM in float32.
 */
export async function selectBackend(requested: Backend, numThreads?: number): Promise<BackendInfo> {
  const threads = wasmThreadCount(numThreads);
  if (requested === 'webgpu') {
    const found = await webGpuAdapter();
    if ('adapter' in found) {
      if (configuredBuild !== 'plain')
        return { backend: 'webgpu', threads, fp16: adapterHasF16(found.adapter), fallbackReason: null };
      const fallbackReason =
        "this engine started on WASM with onnxruntime's CPU-only build (about 3x faster there than the build that " +
        'can also run WebGPU); reload the page with the WebGPU backend chosen to use WebGPU';
      return { backend: 'wasm', threads, fp16: false, fallbackReason };
    }
    const fallbackReason = `WebGPU requested but not available: ${found.reason}`;
    return { backend: 'wasm', threads, fp16: false, fallbackReason };
  }
  return { backend: 'wasm', threads, fp16: false, fallbackReason: null };
}

let configuredThreads: number | null = null;

/**
 * Which onnxruntime WASM build the page loaded: in a browser the default bundle loads the JSEP build (it can also
 * run WebGPU), but on WASM that build is about 3x slower per call than the plain one (`npx tsx
 * bench/wasm-build.ts`: a one-token decode step of the bundled target 6.4 ms vs 2.1 ms). So a page whose first
 * model runs on WASM loads the plain build; the module loads once, so WebGPU then needs a reload.
 */
let configuredBuild: 'plain' | 'default' | null = null;

/** The plain (CPU-only) WASM build's files; Vite emits them as assets of the worker. */
function plainBuildPaths(): { mjs: string; wasm: string } {
  return {
    mjs: new URL('../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', import.meta.url).href,
    wasm: new URL('../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', import.meta.url).href,
  };
}

/**
 * Sets onnxruntime's global WASM options. The thread count and the WASM build take effect when the WASM module
 * first loads, so the first model created fixes them for the page (or process); later calls with another count
 * are ignored by onnxruntime.
 * @returns the WASM thread count in effect, which `BackendInfo.threads` should report
 */
export function configureOrt(info: BackendInfo, wasmPaths?: string): number {
  if (configuredThreads === null) {
    ort.env.wasm.numThreads = info.threads;
    configuredThreads = info.threads;
    // Node already loads the plain build; a caller's own wasmPaths wins.
    const plain = info.backend === 'wasm' && !isNode() && !wasmPaths;
    if (plain) ort.env.wasm.wasmPaths = plainBuildPaths();
    configuredBuild = plain ? 'plain' : 'default';
  }
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
  return configuredThreads;
}

/** Options for one inference session over an in-memory model and its external weights. */
export interface SessionSpec {
  model: Uint8Array;
  externalData?: { path: string; data: Uint8Array }[];
  /** Outputs to keep on the GPU (WebGPU only), e.g. the present key/values. */
  gpuOutputs?: readonly string[];
}

/** Creates an onnxruntime-web session on the selected backend. */
export async function createSession(info: BackendInfo, spec: SessionSpec): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [info.backend],
    graphOptimizationLevel: 'all',
    externalData: spec.externalData,
  };
  if (info.backend === 'webgpu' && spec.gpuOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(spec.gpuOutputs.map((name) => [name, 'gpu-buffer' as const]));
  }
  return ort.InferenceSession.create(spec.model, options);
}
