/// <reference lib="webworker" />
/**
 * The Web Worker entry: a thin message switch over EngineHost, so model loading and decoding never block the page.
 */
import { EngineHost } from './engine-host';
import { runtimeDeps } from './default-deps';
import type { EngineEvent, EngineRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const host = new EngineHost((event: EngineEvent) => scope.postMessage(event), runtimeDeps);
scope.addEventListener('message', (e: MessageEvent<EngineRequest>) => host.handle(e.data));
