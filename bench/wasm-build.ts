/**
 * Decode cost of the bundled target under onnxruntime-web's two WASM builds: the plain one Node loads
 * (`ort-wasm-simd-threaded.wasm`) and the JSEP one a browser's default bundle loads (`...jsep.wasm`, the build that
 * can also run WebGPU). Each build runs in its own process (onnxruntime loads one per process), alternately, twice.
 *
 *   npx tsx bench/wasm-build.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../src/cli/machine';

const BUILDS = { plain: '', jsep: '.jsep' } as const;
type Build = keyof typeof BUILDS;

/** Median ms of one-token decode steps (forward + commit of every row), after two warm-up rounds of 100 steps. */
async function measure(build: Build): Promise<number> {
  const ort = await import('onnxruntime-web');
  const dist = fileURLToPath(new URL('../node_modules/onnxruntime-web/dist/', import.meta.url));
  const base = `file://${dist}ort-wasm-simd-threaded${BUILDS[build]}`;
  ort.env.wasm.wasmPaths = { mjs: `${base}.mjs`, wasm: `${base}.wasm` };
  const { wasmLoader, DEFAULT_TARGET } = await import('../src/cli/models');
  const { treeAttention } = await import('../src/core/mask');
  const { model } = await wasmLoader.single(DEFAULT_TARGET, 'target', 1);
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    model.reset();
    for (let step = 0; step < 100; step++) {
      const rows = model.pastLength;
      const { positions, bias } = treeAttention(rows, [-1]);
      const start = performance.now();
      await model.forward([5 + (step % 50)], positions, bias);
      if (round === 2) times.push(performance.now() - start);
      await model.commit(Array.from({ length: rows + 1 }, (_, i) => i));
    }
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const child = process.env.WASM_BUILD as Build | undefined;
if (child) {
  console.log(JSON.stringify(await measure(child)));
} else {
  console.log(JSON.stringify(machineInfo({ backend: 'wasm', threads: 1, fp16: false, fallbackReason: null })));
  for (let pass = 0; pass < 2; pass++) {
    for (const build of Object.keys(BUILDS) as Build[]) {
      const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, WASM_BUILD: build },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${build}: ${run.stderr}`);
      const ms = Number(run.stdout.trim().split('\n').pop());
      console.log(`${build.padEnd(5)} build: one-token decode step ${ms.toFixed(2)} ms (median of 100, warm)`);
    }
  }
}
