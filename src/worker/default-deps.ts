/**
 * The real dependencies of the engine host: the runtime's model loader and a monotonic clock. Kept apart from
 * engine-host.ts so that tests can run the host with fake models without pulling in onnxruntime-web.
 */
import { fetchDatastore, type LoadedDatastore } from '../runtime/datastore';
import { ModelLoadError } from '../runtime/errors';
import { loadModelPair } from '../runtime/load';
import { parseModelSource } from '../runtime/source';
import type { LoadedPair } from '../runtime/load';
import type { Backend, LoadProgress } from '../runtime/types';
import type { HostDeps } from './engine-host';
import type { LoadRequest } from './protocol';

async function loadWith(
  req: LoadRequest,
  backend: Backend,
  options: { onProgress: (p: LoadProgress) => void; signal: AbortSignal },
): Promise<LoadedPair> {
  return loadModelPair(
    parseModelSource(req.draft, { baseUrl: req.baseUrl }),
    parseModelSource(req.target, { baseUrl: req.baseUrl }),
    { backend, onProgress: options.onProgress, signal: options.signal },
  );
}

/**
 * Loads a pair on the requested backend. `auto` asks for WebGPU (the runtime falls back to WASM when the browser has
 * no adapter, and says why). When WebGPU is there but building the sessions fails, the pair is loaded again on WASM
 * and the reason is kept, so the page can say WebGPU failed instead of showing nothing.
 */
export async function loadPairWithFallback(
  req: LoadRequest,
  options: { onProgress: (p: LoadProgress) => void; signal: AbortSignal },
): Promise<LoadedPair> {
  if (req.backend === 'wasm') return loadWith(req, 'wasm', options);
  try {
    return await loadWith(req, 'webgpu', options);
  } catch (e) {
    // Model errors (missing files, vocabulary mismatch) would fail on WASM too; only a WebGPU failure is retried.
    if (options.signal.aborted || e instanceof ModelLoadError) throw e;
    const reason = `WebGPU failed (${e instanceof Error ? e.message : String(e)}); using WASM`;
    const pair = await loadWith(req, 'wasm', options);
    pair.draft.backend = { ...pair.draft.backend, fallbackReason: reason };
    pair.target.backend = { ...pair.target.backend, fallbackReason: reason };
    return pair;
  }
}

/**
 * The `datastore.bin` the target folder ships (null when it has none), read from the same source and base URL the
 * models were loaded from; its download shows as one more file of the target.
 */
export function loadShippedDatastore(
  req: LoadRequest,
  options: { onProgress: (p: LoadProgress) => void; onIndex: (fraction: number) => void; signal: AbortSignal },
): Promise<LoadedDatastore | null> {
  return fetchDatastore(parseModelSource(req.target, { baseUrl: req.baseUrl }), {
    read: { signal: options.signal, onProgress: (p) => options.onProgress({ role: 'target', ...p }) },
    onProgress: (_stage, fraction) => options.onIndex(fraction),
  });
}

/** Host dependencies backed by the runtime (onnxruntime-web; WebGPU or WASM as requested). */
export const runtimeDeps: HostDeps = {
  loadPair: loadPairWithFallback,
  loadDatastore: loadShippedDatastore,
  now: () => performance.now(),
};
