/** The `machine` line of profiles and benches: what the numbers were measured on. */
import { cpus, platform, release, totalmem } from 'node:os';
import type { BackendInfo } from '../runtime/types';

/** Where a measurement ran. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
  backend: string;
  threads: number;
}

/** Describes this machine and the backend the models got. */
export function machineInfo(backend: BackendInfo): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    backend: backend.backend,
    threads: backend.threads,
  };
}

/** One line, e.g. `machine: Intel Xeon (2 cores), node v20.20.2, wasm x1`. */
export function formatMachine(m: MachineInfo): string {
  return `machine: ${m.cpu} (${m.cores} cores, ${m.memory_gb} GB), ${m.os}, node ${m.node}, ${m.backend} x${m.threads} thread${m.threads === 1 ? '' : 's'}`;
}
