/**
 * The compiled graph in a real browser: headless Chromium runs the same model and the same call sequence (prefix,
 * tree, commit, next tokens) through `createOnnxModel` (the page compiles the graph itself, as the app does) on WASM
 * and on WebGPU (SwiftShader), in float32, and the logits must match what Node's WASM run gives. The page,
 * onnxruntime-web's dist files, a Vite bundle of the runtime, the config and the weights are served by a tiny
 * static server with COOP/COEP headers (cross-origin isolation, WASM threads).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeAttention } from '../../src/core/mask';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import type { BackendInfo, TensorMap } from '../../src/runtime/types';
import { CHROMIUM, closeChromium, launchChromium } from '../e2e/browser';
import { causalBias, maxAbsDiff, randomLlama, randomTokens } from '../helpers/random-llama';

const ROOT = resolve(__dirname, '../..');
const ORT_DIST = join(ROOT, 'node_modules/onnxruntime-web/dist');

/** One model call of the scenario; the bias travels as 0/1 "visible" flags because JSON has no -Infinity. */
type Step = { tokens: number[]; positions: number[]; visible: number[] } | { commit: number[] };

const { config, tensors } = randomLlama('qwen2', 17); // GQA + q/k/v bias + tied head

/** The weights as one blob plus where each tensor lies in it (the page rebuilds the TensorMap from both). */
function packTensors(map: TensorMap): { manifest: unknown[]; blob: Uint8Array } {
  const manifest: { name: string; dtype: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of map) {
    manifest.push({ name, dtype: t.dtype, shape: t.shape, offset, length: t.data.byteLength });
    offset += t.data.byteLength;
  }
  const blob = new Uint8Array(offset);
  for (const [i, t] of [...map.values()].entries()) blob.set(t.data, manifest[i].offset);
  return { manifest, blob };
}
const packed = packTensors(tensors);

function scenario(): Step[] {
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const visible = (bias: Float32Array) => Array.from(bias, (b) => (b === 0 ? 1 : 0));
  const parents = [-1, 0, 0, 1, 2, 3];
  const tree = treeAttention(6, parents);
  return [
    { tokens: randomTokens(6, config.vocabSize, 1), positions: range(0, 6), visible: visible(causalBias(0, 6)) },
    { tokens: randomTokens(6, config.vocabSize, 2), positions: tree.positions, visible: visible(tree.bias) },
    { commit: [...range(0, 6), 6, 8, 10] }, // prefix + the path 0 -> 2 -> 4
    { tokens: [3, 4], positions: [9, 10], visible: visible(causalBias(9, 2)) },
  ];
}

/** Runs the scenario on a LanguageModel; returns the logits of every forward. (Also shipped to the page as text.) */
async function runSteps(
  model: {
    forward(t: number[], p: number[], b: Float32Array): Promise<Float32Array>;
    commit(k: number[]): Promise<void>;
  },
  steps: Step[],
): Promise<number[][]> {
  const out: number[][] = [];
  for (const step of steps) {
    if ('commit' in step) await model.commit(step.commit);
    else {
      const bias = Float32Array.from(step.visible, (v) => (v ? 0 : -Infinity));
      out.push(Array.from(await model.forward(step.tokens, step.positions, bias)));
    }
  }
  return out;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="importmap">{ "imports": { "onnxruntime-web": "/ort/ort.min.mjs" } }</script>
<script type="module">
import { createOnnxModel } from '/lib/onnx-model.js';
const runSteps = ${runSteps.toString()};
window.runScenario = async (backend) => {
  const get = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
  const [config, steps, manifest, blob] = await Promise.all([
    fetch('/config.json').then((r) => r.json()),
    fetch('/steps.json').then((r) => r.json()),
    fetch('/tensors.json').then((r) => r.json()),
    get('/weights.bin'),
  ]);
  const tensors = new Map(
    manifest.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: blob.subarray(t.offset, t.offset + t.length) }]),
  );
  // float32 on both backends: the comparison with Node's float32 run allows 1e-4 (float16 is onnx-fp16.test.ts's).
  const options = { backend, precision: 'fp32', wasmPaths: '/ort/' };
  const { model: m, backend: info } = await createOnnxModel(config, tensors, options);
  const logits = await runSteps(m, steps);
  await m.dispose();
  return { info, logits, isolated: crossOriginIsolated };
};
window.pageReady = true;
</script>`;

let server: ReturnType<typeof createServer>;
let baseUrl = '';
let context: BrowserContext;
let expected: number[][] = [];

/** Opens a fresh page (a fresh onnxruntime instance) and runs the scenario on `backend`. */
async function runInPage(backend: 'wasm' | 'webgpu') {
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(baseUrl);
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true);
    return await page.evaluate(
      (b) =>
        (
          window as unknown as {
            runScenario(b: string): Promise<{ info: BackendInfo; logits: number[][]; isolated: boolean }>;
          }
        ).runScenario(b),
      backend,
    );
  } catch (e) {
    throw new Error(`${backend} page failed: ${e instanceof Error ? e.message : String(e)}\n${logs.join('\n')}`, {
      cause: e,
    });
  } finally {
    await page.close();
  }
}

const worst = (got: number[][]) => Math.max(...got.map((row, i) => maxAbsDiff(row, expected[i])));

if (!existsSync(CHROMIUM)) console.warn(`browser-graph: ${CHROMIUM} not found, skipping the headless Chromium test`);

describe.skipIf(!existsSync(CHROMIUM))('compiled graph in headless Chromium', () => {
  beforeAll(async () => {
    // Node's own WASM run is the expectation.
    const node = await createOnnxModel(config, tensors, { backend: 'wasm', precision: 'fp32' });
    expected = await runSteps(node.model, scenario());
    await node.model.dispose();

    const bundle = await build({
      configFile: false,
      logLevel: 'silent',
      root: ROOT,
      build: {
        write: false,
        minify: false,
        lib: { entry: join(ROOT, 'src/runtime/onnx-model.ts'), formats: ['es'], fileName: 'onnx-model' },
        rolldownOptions: { external: ['onnxruntime-web'] },
      },
    });
    const output = (Array.isArray(bundle) ? bundle[0] : bundle) as { output: { fileName: string; code?: string }[] };
    const lib = output.output.find((c) => c.fileName === 'onnx-model.js')?.code;
    if (!lib) throw new Error('vite produced no onnx-model.js');

    const files: Record<string, [string, string | Uint8Array]> = {
      '/': ['text/html', PAGE],
      '/lib/onnx-model.js': ['text/javascript', lib],
      '/config.json': ['application/json', JSON.stringify(config)],
      '/steps.json': ['application/json', JSON.stringify(scenario())],
      '/tensors.json': ['application/json', JSON.stringify(packed.manifest)],
      '/weights.bin': ['application/octet-stream', packed.blob],
    };
    server = createServer((req, res) => {
      // Cross-origin isolation: SharedArrayBuffer, hence WASM threads, like the app's dev server.
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      let body: [string, string | Uint8Array] | undefined = files[path];
      if (!body && path.startsWith('/ort/')) {
        const file = resolve(ORT_DIST, path.slice('/ort/'.length));
        if (file.startsWith(ORT_DIST + sep)) {
          try {
            const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
            body = [type, readFileSync(file)];
          } catch {
            body = undefined;
          }
        }
      }
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': body[0] }).end(body[1]);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    context = await launchChromium(['--enable-unsafe-webgpu']);
  }, 120_000);

  afterAll(async () => {
    await closeChromium(context);
    await new Promise((ok) => server?.close(ok));
  });

  it('WASM and WebGPU logits match Node across prefix, tree, commit and next step', async () => {
    const wasm = await runInPage('wasm');
    expect(wasm.isolated).toBe(true);
    expect(wasm.info.backend).toBe('wasm');
    expect(wasm.info.threads).toBeGreaterThanOrEqual(1);
    expect(wasm.logits.length).toBe(expected.length);
    const wasmDiff = worst(wasm.logits);
    expect(wasmDiff).toBeLessThanOrEqual(1e-4);

    const gpu = await runInPage('webgpu');
    if (gpu.info.backend !== 'webgpu') {
      console.warn(`WebGPU skipped in headless Chromium: ${gpu.info.fallbackReason}`);
      expect(gpu.info.fallbackReason).toMatch(/^WebGPU requested but not available: /);
      expect(worst(gpu.logits)).toBeLessThanOrEqual(1e-4);
      return;
    }
    const gpuDiff = worst(gpu.logits);
    console.info(`browser parity: WASM (${wasm.info.threads} threads) max |diff| ${wasmDiff}, WebGPU ${gpuDiff}`);
    expect(gpuDiff).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
