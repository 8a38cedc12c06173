/**
 * The output law of `sample` with a speculative strategy equals `ar`'s: a two-sample chi-square test on the joint
 * law of the first two generated tokens.
 *
 * Models: a tiny random Llama target (untied head, vocab 64) run through the real ONNX runtime, and a draft made by
 * multiplying every target weight by (1 + U(-0.5, 0.5)), so the draft is related but wrong (about 0.6 accepted
 * tokens per step): accepts, rejections and residual draws all happen. Sampling at T = 1.5 with top-k 5 keeps the
 * law on 25 two-token outcomes, each about 0.02-0.08, so every bin gets hundreds of samples.
 *
 * Sample size. With n samples per side, the homogeneity statistic sum (a_i - b_i)^2 / (a_i + b_i) is approximately
 * noncentral chi-square with df = bins - 1 <= 24 and noncentrality lambda = n * sum (p_i - q_i)^2 / (p_i + q_i). The
 * distortion we must catch: 2% of probability moved from one outcome to another (total variation 0.02). It is
 * hardest to see between the two largest outcomes (p ~ 0.08 each), where lambda = n * 2 * 0.02^2 / 0.16 = n / 200.
 * At significance alpha = 1e-3 (critical value 51.2 at df 24) we need lambda ~ 60 for power 0.98: n = 12,000 per
 * side (n = 10,000 would give 0.94, n = 8,000 only 0.81). The seeds are fixed, so the test is deterministic; the
 * second case below shows that the same test does reject such a 2% distortion of the same samples.
 *
 * Runs in-process through the CLI's own command (runCli with an in-memory loader); about 1 ms per sample.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliPair } from '../../src/cli/models';
import { Rng } from '../../src/core/rng';
import { createOnnxModel } from '../../src/runtime/onnx-model';
import type { TensorMap, TextTokenizer } from '../../src/runtime/types';
import { upperRegularizedGamma } from '../helpers/exact-law';
import { randomLlama } from '../helpers/random-llama';
import { cli, fixedLoader } from './helpers';

const SAMPLES = 12_000;
const ALPHA = 1e-3;
const SETTINGS = ['--prompt', 'abc', '--max-new-tokens', '2', '--temperature', '1.5', '--top-k', '5', '--seed', '1'];

/** Every weight times (1 + U(-scale, scale)). */
function perturb(tensors: TensorMap, scale: number, seed: number): TensorMap {
  const rng = new Rng(seed);
  const out: TensorMap = new Map();
  for (const [name, raw] of tensors) {
    const values = new Float32Array(raw.data.slice().buffer); // F32 weights
    for (let i = 0; i < values.length; i++) values[i] *= 1 + scale * (2 * rng.next() - 1);
    out.set(name, { ...raw, data: new Uint8Array(values.buffer) });
  }
  return out;
}

/** A stand-in tokenizer: each character is one token (its code mod the vocabulary); no EOS. */
function charTokenizer(vocabSize: number): TextTokenizer {
  return {
    vocabSize,
    bosTokenId: null,
    eosTokenIds: [],
    encode: (text) => [...text].map((c) => c.charCodeAt(0) % vocabSize),
    decode: (ids) => ids.map((id) => String.fromCharCode(65 + id)).join(''),
    tokenText: (id) => String.fromCharCode(65 + id),
    applyChatTemplate: null,
  };
}

async function inMemoryPair(): Promise<CliPair> {
  const { config, tensors } = randomLlama('llama-untied', 1, { vocabSize: 64 });
  const target = await createOnnxModel(config, tensors, { backend: 'wasm' });
  const draft = await createOnnxModel(config, perturb(tensors, 0.5, 2), { backend: 'wasm' });
  return {
    draft: { id: 'draft', hash: 'd', ...draft },
    target: { id: 'target', hash: 't', ...target },
    tokenizer: charTokenizer(64),
  };
}

/** Two-sample chi-square (equal sizes) over the outcomes; bins with fewer than 10 samples in total are pooled. */
function twoSampleChiSquare(
  a: Map<string, number>,
  b: Map<string, number>,
): { statistic: number; df: number; pValue: number } {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const bins: [number, number][] = [];
  const pooled: [number, number] = [0, 0];
  for (const k of keys) {
    const x = a.get(k) ?? 0;
    const y = b.get(k) ?? 0;
    if (x + y < 10) {
      pooled[0] += x;
      pooled[1] += y;
    } else bins.push([x, y]);
  }
  if (pooled[0] + pooled[1] > 0) bins.push(pooled);
  const statistic = bins.reduce((s, [x, y]) => s + (x - y) ** 2 / (x + y), 0);
  const df = bins.length - 1;
  return { statistic, df, pValue: upperRegularizedGamma(df / 2, statistic / 2) };
}

function histogram(samples: number[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.join(','), (counts.get(s.join(',')) ?? 0) + 1);
  return counts;
}

describe('sample: speculative output law equals the target law', () => {
  let ar: Map<string, number>;
  let spec: Map<string, number>;
  let calibrated: Map<string, number>;

  beforeAll(async () => {
    const loader = fixedLoader(await inMemoryPair());
    const dir = await mkdtemp(join(tmpdir(), 'specdec-sample-'));
    const draw = async (strategy: string): Promise<Map<string, number>> => {
      const out = join(dir, `${strategy.replace(':', '-')}.json`);
      const run = await cli(
        ['sample', ...SETTINGS, '--n', String(SAMPLES), '--strategy', strategy, '--out', out],
        loader,
      );
      expect(run.code, run.err).toBe(0);
      const { samples } = JSON.parse(await readFile(out, 'utf8')) as { samples: number[][] };
      expect(samples).toHaveLength(SAMPLES);
      expect(samples.every((s) => s.length === 2)).toBe(true);
      return histogram(samples);
    };
    ar = await draw('ar');
    spec = await draw('dyspec:4');
    calibrated = await draw('dyspec-cal:4');
  }, 180_000);

  it('dyspec:4 vs ar: no significant difference at alpha = 1e-3', () => {
    expect(ar.size).toBeGreaterThanOrEqual(20); // the law spreads over ~25 outcomes, as sized above
    const test = twoSampleChiSquare(ar, spec);
    expect(test.pValue, `chi2 ${test.statistic.toFixed(1)} on ${test.df} df`).toBeGreaterThan(ALPHA);
  });

  it('dyspec-cal:4 vs ar: no significant difference at alpha = 1e-3 (keys learned over the earlier samples)', () => {
    const test = twoSampleChiSquare(ar, calibrated);
    expect(test.pValue, `chi2 ${test.statistic.toFixed(1)} on ${test.df} df`).toBeGreaterThan(ALPHA);
  });

  it('the same test rejects a 2% distortion between the two most likely outcomes', () => {
    const [first, second] = [...spec.entries()].sort((x, y) => y[1] - x[1]);
    const distorted = new Map(spec);
    distorted.set(first[0], first[1] - 0.02 * SAMPLES);
    distorted.set(second[0], second[1] + 0.02 * SAMPLES);
    expect(twoSampleChiSquare(ar, distorted).pValue).toBeLessThan(ALPHA);
  });
});

describe('sample at T = 1: every draft source keeps the target law', () => {
  const SOURCES = ['chain:2@context', 'dyspec:4@corpus', 'dyspec-cal:4@context+corpus+model'] as const;
  // A prompt that repeats itself, so prompt lookup matches at several orders.
  const T1 = ['--prompt', 'abcabdabca', '--max-new-tokens', '2', '--temperature', '1', '--top-k', '5', '--seed', '3'];
  const laws = new Map<string, Map<string, number>>();

  beforeAll(async () => {
    const loader = fixedLoader(await inMemoryPair());
    const dir = await mkdtemp(join(tmpdir(), 'specdec-sources-'));
    // The corpus: 4,000 seeded characters over part of the vocabulary (the char tokenizer maps each to one token).
    const rng = new Rng(9);
    const corpus = join(dir, 'corpus.txt');
    await writeFile(
      corpus,
      Array.from({ length: 4000 }, () => String.fromCharCode(97 + Math.floor(rng.next() * 12))).join(''),
    );
    for (const strategy of ['ar', ...SOURCES]) {
      const out = join(dir, `${strategy.replace(/[:@+]/g, '-')}.json`);
      const args = ['sample', ...T1, '--n', String(SAMPLES), '--strategy', strategy, '--datastore', corpus];
      const run = await cli([...args, '--out', out], loader);
      expect(run.code, run.err).toBe(0);
      const { samples } = JSON.parse(await readFile(out, 'utf8')) as { samples: number[][] };
      expect(samples).toHaveLength(SAMPLES);
      laws.set(strategy, histogram(samples));
    }
  }, 240_000);

  it.each(SOURCES)('%s vs ar: no significant difference at alpha = 1e-3', (strategy) => {
    const ar = laws.get('ar')!;
    expect(ar.size).toBeGreaterThanOrEqual(15);
    const test = twoSampleChiSquare(ar, laws.get(strategy)!);
    expect(test.pValue, `chi2 ${test.statistic.toFixed(1)} on ${test.df} df`).toBeGreaterThan(ALPHA);
  });
});
