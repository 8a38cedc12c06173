/**
 * Starts the engine in a module Web Worker and returns a client for it. Vite bundles the worker from this
 * `new Worker(new URL(...), { type: 'module' })` pattern, under the site's base path.
 */
import { EngineClient, workerTransport } from './client';

/** A client whose engine runs in a fresh Web Worker. */
export function createWorkerClient(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'specdec-engine' });
  return new EngineClient(workerTransport(worker));
}
