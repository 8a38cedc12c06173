/**
 * Forward latency t(n) of the compiled graph on onnxruntime-web's WASM backend in Node, for a random-weight model of
 * SmolLM2-135M's shape, plus the cost of the cache commit (DESIGN.md §6: the speedup limit is tau * t(1) / t(N)).
 *
 *   npx tsx bench/forward-latency.ts [--past 512] [--repeats 5] [--sizes 1,2,4,8,16,32,64] [--layers 30]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { treeAttention } from '../src/core/mask';
import { createOnnxModel } from '../src/runtime/onnx-model';
import { causalBias, randomLlama, randomTokens } from '../tests/helpers/random-llama';

const { values: args } = parseArgs({
  options: {
    past: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '1,2,4,8,16,32,64' },
    layers: { type: 'string', default: '30' },
  },
});
const past = Number(args.past);
const repeats = Number(args.repeats);
const sizes = args.sizes.split(',').map(Number);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

// SmolLM2-135M: hidden 576, 30 layers, 9 heads / 3 KV heads (head_dim 64), MLP 1536, vocab 49152, tied head.
const t0 = performance.now();
const { config, tensors } = randomLlama('llama-tied', 1, {
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numLayers: Number(args.layers),
  numHeads: 9,
  numKvHeads: 3,
  headDim: 64,
  ropeTheta: 100000,
  maxPositions: 8192,
});
const t1 = performance.now();
const { model, backend } = await createOnnxModel(config, tensors, { backend: 'wasm' });
tensors.clear(); // the session holds its own copy of the weights now
const t2 = performance.now();
console.log(
  `model: SmolLM2-135M shape, ${config.numLayers} layers, random weights; backend ${backend.backend}, ${backend.threads} thread(s)`,
);
console.log(
  `weights generated in ${(t1 - t0).toFixed(0)} ms, graph built + session created in ${(t2 - t1).toFixed(0)} ms`,
);

await model.forward(randomTokens(past, config.vocabSize, 1), range(0, past), causalBias(0, past));
const prefix = range(0, past);

console.log(`\npast = ${past}, median (and min) of ${repeats} runs after one warm-up\n`);
console.log('    n   t(n) ms   min ms   t(n)/t(1)   ms/token');
const times = new Map<number, number>();
for (const n of sizes) {
  const tokens = randomTokens(n, config.vocabSize, n);
  // A chain (each node sees all earlier ones) at positions past .. past + n - 1; a tree costs the same.
  const bias = causalBias(past, n);
  const positions = range(past, past + n);
  const samples: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const start = performance.now();
    await model.forward(tokens, positions, bias);
    const elapsed = performance.now() - start;
    if (r > 0) samples.push(elapsed); // the first run warms up shapes and allocations
    await model.commit(prefix);
  }
  const t = median(samples);
  times.set(n, t);
  const base = times.get(sizes[0]) ?? t;
  console.log(
    `${String(n).padStart(5)} ${t.toFixed(1).padStart(9)} ${Math.min(...samples)
      .toFixed(1)
      .padStart(8)} ` + `${(t / base).toFixed(2).padStart(11)} ${(t / n).toFixed(2).padStart(10)}`,
  );
}

// Commit as the engine does it: after verifying a 16-node tree, keep the prefix plus a 4-node accepted path.
const tree = treeAttention(past, [-1, 0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
const commitSamples: number[] = [];
const rollbackSamples: number[] = [];
for (let r = 0; r < Math.max(repeats, 5); r++) {
  await model.forward(randomTokens(16, config.vocabSize, r), tree.positions, tree.bias);
  let start = performance.now();
  await model.commit([...prefix, past + 0, past + 1, past + 3, past + 6]);
  commitSamples.push(performance.now() - start);
  start = performance.now();
  await model.commit(prefix); // roll back to the same past for the next repeat
  rollbackSamples.push(performance.now() - start);
}
const commit = median(commitSamples);
const t1ms = times.get(1);
console.log(`\ncommit (keep ${past} + 4 of ${past + 16} rows): ${commit.toFixed(2)} ms`);
console.log(`commit (keep ${past} of ${past + 4} rows, rollback): ${median(rollbackSamples).toFixed(2)} ms`);
if (t1ms !== undefined) console.log(`commit / t(1) = ${((100 * commit) / t1ms).toFixed(1)} %`);
await model.dispose();
