/**
 * The CLI's latency profiles: core's measurement (core/latency.ts) on Node's clock, cached in memory per model hash,
 * backend, threads, past and sizes, so a bench that needs the same profile for efficiency and for `auto` measures it
 * once.
 */
import { measureLatency as measure, type LatencyOptions, type LatencyProfile } from '../core/latency';
import type { LanguageModel } from '../core/model';
import { nowMs } from './io';

export { DEFAULT_PROFILE_SIZES, median, nonDecreasing } from '../core/latency';
export type { LatencyProfile } from '../core/latency';

/** Options of a CLI measurement (the clock defaults to Node's monotonic one). */
export type CliLatencyOptions = Omit<LatencyOptions, 'now'> & { now?: () => number };

/** Measures t(n) for every size on Node's clock. Leaves the model's cache empty. */
export function measureLatency(model: LanguageModel, options: CliLatencyOptions): Promise<LatencyProfile> {
  return measure(model, { ...options, now: options.now ?? nowMs });
}

const cache = new Map<string, Promise<LatencyProfile>>();

/** `measureLatency`, memoised per model hash, backend and settings (in memory, for this process). */
export function cachedLatency(
  key: { hash: string; backend: string; threads: number },
  model: LanguageModel,
  options: CliLatencyOptions,
): Promise<LatencyProfile> {
  const id = [key.hash, key.backend, key.threads, options.past, options.repeats, options.sizes.join(',')].join('|');
  let hit = cache.get(id);
  if (!hit) {
    hit = measureLatency(model, options);
    cache.set(id, hit);
    hit.catch(() => cache.delete(id));
  }
  return hit;
}
