/**
 * The page's side of the protocol: a Promise client with streaming events. The same client talks to the engine in
 * a Web Worker (the page) or to an EngineHost on the main thread (tests), through a small Transport.
 */
import type { StepRecord } from '../core/step';
import type { LoadProgress } from '../runtime/types';
import { EngineHost, type HostDeps } from './engine-host';
import {
  EngineError,
  type CompareRequest,
  type CompareResult,
  type DatastoreStage,
  type DatastoreSummary,
  type EngineEvent,
  type EnginePhase,
  type EngineRequest,
  type GenerateRequest,
  type LoadRequest,
  type LoadResult,
  type RunResult,
} from './protocol';

/** How requests reach the engine and events come back. */
export interface Transport {
  post(request: EngineRequest): void;
  /**
   * Registers the one event listener, and a callback for the engine dying (a worker that fails to load or crashes);
   * returns an unsubscribe function.
   */
  listen(listener: (event: EngineEvent) => void, onFatal: (message: string) => void): () => void;
  close(): void;
}

/** A transport over a Web Worker running engine.worker.ts. */
export function workerTransport(worker: Worker): Transport {
  return {
    post: (request) => worker.postMessage(request),
    listen: (listener, onFatal) => {
      const onMessage = (e: MessageEvent<EngineEvent>): void => listener(e.data);
      const onError = (e: ErrorEvent): void => {
        e.preventDefault();
        onFatal(`the engine worker failed: ${e.message || 'it could not be loaded'}`);
      };
      const onMessageError = (): void => onFatal('the engine worker sent a message that could not be read');
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      worker.addEventListener('messageerror', onMessageError);
      return () => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        worker.removeEventListener('messageerror', onMessageError);
      };
    },
    close: () => worker.terminate(),
  };
}

/**
 * A transport that runs an EngineHost on this thread. Messages are structured-cloned and delivered on a later task,
 * as postMessage would, so tests see the same data and ordering the worker gives.
 */
export function inProcessTransport(deps: HostDeps): Transport {
  let listener: ((event: EngineEvent) => void) | null = null;
  let closed = false;
  const host = new EngineHost((event) => {
    const copy = structuredClone(event);
    setTimeout(() => {
      if (!closed) listener?.(copy);
    }, 0);
  }, deps);
  return {
    post: (request) => {
      const copy = structuredClone(request);
      setTimeout(() => {
        if (!closed) host.handle(copy);
      }, 0);
    },
    listen: (l) => {
      listener = l;
      return () => {
        listener = null;
      };
    },
    close: () => {
      closed = true;
    },
  };
}

/** A request in flight. */
export interface RequestHandle<T> {
  readonly id: number;
  /** Resolves with the answer (runs that were stopped resolve too, with `stopped: true`); rejects with EngineError. */
  readonly done: Promise<T>;
  /** Aborts the request; a run ends within one step. */
  stop(): void;
  /** Step-by-step mode: lets the run make its next target call (`resume`: and run on without pausing). */
  next(resume?: boolean): void;
}

/** Streaming callbacks of a generation. */
export interface GenerateHandlers {
  onStep?: (step: StepRecord) => void;
  /** A step-mode run is parked after step `stepIndex`, waiting for `next()`. */
  onWaiting?: (stepIndex: number) => void;
}

/** Progress of a datastore build: the stage and the fraction of it done. */
export type DatastoreProgressHandler = (stage: DatastoreStage, fraction: number) => void;

/** Streaming callbacks of a comparison. */
export interface CompareHandlers {
  /** A measured run finished: `index` of `total` runs, where it sits in the protocol, its result and steps. */
  onRun?: (run: CompareRunEvent) => void;
  /** A warm-up round finished (ms per token of the round). */
  onWarmup?: (round: number, msPerToken: number) => void;
}

/** One measured run of a comparison, as the engine reports it. */
export type CompareRunEvent = Omit<Extract<EngineEvent, { type: 'compare-run' }>, 'type' | 'id'>;

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onEvent: (event: EngineEvent) => void;
}

/** Told the phase of request `id` (null: it has none now, e.g. it ended). */
export type PhaseListener = (phase: EnginePhase | null, id: number) => void;

/** Promise client over a Transport. */
export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly unlisten: () => void;
  private readonly phaseListeners = new Set<PhaseListener>();
  /** Requests whose last phase was not null: their end reports null, so no phase outlives its request. */
  private readonly phased = new Set<number>();

  constructor(private readonly transport: Transport) {
    this.unlisten = transport.listen(
      (event) => this.dispatch(event),
      (message) => this.failAll(new Error(message)),
    );
  }

  /**
   * Loads (or reuses) a model pair, reporting per-file progress, and the indexing of the datastore the target ships.
   */
  load(
    request: LoadRequest,
    onProgress?: (progress: LoadProgress) => void,
    onDatastoreProgress?: DatastoreProgressHandler,
  ): RequestHandle<LoadResult> {
    return this.request<LoadResult>({ type: 'load', id: 0, load: request }, (event) => {
      if (event.type === 'progress') onProgress?.(event.progress);
      else if (event.type === 'datastore-progress') onDatastoreProgress?.(event.stage, event.fraction);
    });
  }

  /**
   * Builds a corpus datastore on the loaded pair from a text or a file's bytes; it replaces the engine's datastore.
   */
  buildDatastore(
    content: string | Uint8Array,
    label: string,
    onProgress?: DatastoreProgressHandler,
  ): RequestHandle<DatastoreSummary> {
    return this.request<DatastoreSummary>({ type: 'datastore', id: 0, content, label }, (event) => {
      if (event.type === 'datastore-progress') onProgress?.(event.stage, event.fraction);
    });
  }

  /** Runs one generation on the loaded pair, streaming its steps. */
  generate(request: GenerateRequest, handlers: GenerateHandlers = {}): RequestHandle<RunResult> {
    return this.request<RunResult>({ type: 'generate', id: 0, run: request }, (event) => {
      if (event.type === 'step') handlers.onStep?.(event.step);
      else if (event.type === 'waiting') handlers.onWaiting?.(event.stepIndex);
    });
  }

  /** Runs several strategies on the same prompt, reporting each finished one. */
  compare(request: CompareRequest, handlers: CompareHandlers = {}): RequestHandle<CompareResult> {
    return this.request<CompareResult>({ type: 'compare', id: 0, compare: request }, (event) => {
      if (event.type === 'compare-run') {
        const { type: _type, id: _id, ...run } = event;
        handlers.onRun?.(run);
      }
      if (event.type === 'compare-warmup') handlers.onWarmup?.(event.round, event.msPerToken);
    });
  }

  /**
   * Listens to the phase of every request (loading, profiling, warm-up), whichever part of the page made it: the
   * page shows one status line for them. Returns an unsubscribe function.
   */
  onPhase(listener: PhaseListener): () => void {
    this.phaseListeners.add(listener);
    return () => this.phaseListeners.delete(listener);
  }

  /** Rejects everything in flight and closes the transport (terminates the worker). */
  dispose(): void {
    this.unlisten();
    this.transport.close();
    this.failAll(new Error('the engine was closed'));
  }

  /** Rejects every request in flight (the engine is gone, so none of them will be answered). */
  private failAll(error: Error): void {
    for (const id of this.pending.keys()) this.setPhase(id, null);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private setPhase(id: number, phase: EnginePhase | null): void {
    if (phase === null && !this.phased.delete(id)) return;
    if (phase !== null) this.phased.add(id);
    for (const listener of this.phaseListeners) listener(phase, id);
  }

  private request<T>(message: EngineRequest, onEvent: (event: EngineEvent) => void): RequestHandle<T> {
    const id = this.nextId++;
    const done = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, onEvent });
    });
    this.transport.post({ ...message, id });
    return {
      id,
      done,
      stop: () => this.transport.post({ type: 'stop', id }),
      next: (resume = false) => this.transport.post({ type: 'next', id, resume }),
    };
  }

  private dispatch(event: EngineEvent): void {
    const p = this.pending.get(event.id);
    if (!p) return; // an event for a request that already ended (e.g. progress after an error)
    switch (event.type) {
      case 'phase':
        this.setPhase(event.id, event.phase);
        return;
      case 'loaded':
      case 'done':
      case 'compared':
      case 'datastore-built':
        this.pending.delete(event.id);
        this.setPhase(event.id, null);
        (p.resolve as (value: unknown) => void)(event.result);
        return;
      case 'error':
        this.pending.delete(event.id);
        this.setPhase(event.id, null);
        p.reject(new EngineError(event.error));
        return;
      default:
        p.onEvent(event);
    }
  }
}

/** A client whose engine runs on this thread (tests, and a fallback where Workers are unavailable). */
export function createInProcessClient(deps: HostDeps): EngineClient {
  return new EngineClient(inProcessTransport(deps));
}
