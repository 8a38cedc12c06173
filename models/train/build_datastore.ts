/**
 * Builds a corpus datastore (`datastore.bin`, the token corpus of `@corpus` strategies; format in
 * src/core/ngram/datastore-file.ts) for the bundled pair, reproducibly: the same arguments give the same file.
 *
 *     npx tsx models/train/build_datastore.ts --from corpus --tokens 2000000 [--seed S] [--out FILE]
 *     npx tsx models/train/build_datastore.ts --from target --tokens 250000 [--temperature T] [--seed S]
 *     npx tsx models/train/build_datastore.ts --from mix --tokens N
 *     ... [--append FILE]   the tokens of an existing datastore file after the ones built (e.g. corpus + target.bin)
 *
 * Sources:
 *   corpus  whole training documents from data/train.bin (`<|bos|> ... <|eos|>` runs of uint16 ids, written by
 *           train_tokenizer.py), in a seeded shuffled order, each taken if it still fits in --tokens.
 *   target  text the bundled target writes: 16-32-token windows at seeded random offsets inside training documents
 *           (never valid.bin, never a window sharing 8 tokens in a row with a bench prompt), each continued by the
 *           target for 128 tokens; greedy and T = 0.8 alternate unless --temperature is given. Stored document =
 *           window + continuation + EOS.
 *   mix     half corpus, then half target.
 *
 * Prints tokens, bytes, build time, and the time and memory of decoding + indexing the file as the page and the CLI
 * do at load (src/runtime/datastore.ts), which is what a user pays for it.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, resolveSourceText } from '../../src/cli/models';
import { generate } from '../../src/core/generate';
import { decodeDatastore, encodeDatastore } from '../../src/core/ngram/datastore-file';
import { SuffixIndex } from '../../src/core/ngram/suffix-index';
import { Rng } from '../../src/core/rng';
import { loadModelPair } from '../../src/runtime/load';

const BOS = 0;
const EOS = 1;
/** Prompt window lengths (inclusive) and new tokens per target document. */
const PROMPT_MIN = 16;
const PROMPT_MAX = 32;
const NEW_TOKENS = 128;
/** A prompt window sharing this many consecutive tokens with a bench prompt is drawn again. */
const BENCH_NGRAM = 8;
/** The sampled half's temperature when --temperature is not given. */
const SAMPLED_T = 0.8;

const DATA = join(REPO_ROOT, 'models/train/data');
const DRAFT = 'models/specdec-draft';
const TARGET = 'models/specdec-target';

/** A document of train.bin: ids[start .. end), BOS first and EOS last. */
interface Doc {
  start: number;
  end: number;
}

/** The ids of a raw little-endian uint16 file (train.bin has no header). */
function readUint16(path: string): Uint16Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids = new Uint16Array(bytes.byteLength >> 1);
  for (let i = 0; i < ids.length; i++) ids[i] = view.getUint16(2 * i, true);
  return ids;
}

/** The `<|bos|> ... <|eos|>` documents of a split, in file order. */
function splitDocs(ids: Uint16Array): Doc[] {
  const docs: Doc[] = [];
  let start = -1;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === BOS) start = i;
    else if (ids[i] === EOS && start >= 0) {
      docs.push({ start, end: i + 1 });
      start = -1;
    }
  }
  return docs;
}

/** Uniform integer in [0, n). */
function below(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/**
 * Whole documents in a seeded shuffled order, each kept if it still fits, so --tokens is a hard cap (the file size
 * is the budget) and no document is cut; only the last few picks lean towards short documents.
 */
function corpusTokens(ids: Uint16Array, docs: readonly Doc[], budget: number, seed: number): number[] {
  const order = docs.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = below(rng, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out: number[] = [];
  let used = 0;
  for (const i of order) {
    const { start, end } = docs[i];
    if (out.length + end - start > budget) continue;
    for (let k = start; k < end; k++) out.push(ids[k]);
    used++;
  }
  console.error(`corpus: ${used} of ${docs.length} training documents, ${out.length} tokens`);
  return out;
}

/** Every BENCH_NGRAM-gram of the bench prompts (bench/*.jsonl, field `prompt`), as comma-joined ids. */
function benchNgrams(encode: (text: string) => number[]): Set<string> {
  const grams = new Set<string>();
  const dir = join(REPO_ROOT, 'bench');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const prompt = (JSON.parse(line) as { prompt?: unknown }).prompt;
      if (typeof prompt !== 'string') continue;
      const ids = encode(prompt);
      for (let i = 0; i + BENCH_NGRAM <= ids.length; i++) grams.add(ids.slice(i, i + BENCH_NGRAM).join(','));
    }
  }
  return grams;
}

/** Options of the target source. */
interface TargetOptions {
  budget: number;
  seed: number;
  /** Fixed temperature, or null for greedy / SAMPLED_T alternating. */
  temperature: number | null;
  strategy: string;
}

/**
 * Target-written documents until the next one might not fit in the budget. Prompt offsets are drawn uniformly over
 * the training tokens (so long documents get proportionally more windows, as in training) and redrawn until the
 * window lies inside one document's text. Prompts get no BOS: the target was trained on random windows of the
 * concatenated split, so a mid-document window without BOS is what it knows.
 */
async function targetTokens(ids: Uint16Array, docs: readonly Doc[], options: TargetOptions): Promise<number[]> {
  const pair = await loadModelPair(resolveSourceText(DRAFT), resolveSourceText(TARGET), {
    backend: 'wasm',
    numThreads: 1,
  });
  const banned = benchNgrams((text) => pair.tokenizer.encode(text, { addSpecialTokens: false }));
  const docAt = new Int32Array(ids.length).fill(-1);
  docs.forEach((d, i) => docAt.fill(i, d.start, d.end));
  const rng = new Rng(options.seed);
  const out: number[] = [];
  let generated = 0;
  let rejected = 0;
  let n = 0;
  const start = performance.now();
  let lastReport = start;
  while (out.length + PROMPT_MAX + NEW_TOKENS + 1 <= options.budget) {
    const length = PROMPT_MIN + below(rng, PROMPT_MAX - PROMPT_MIN + 1);
    let prompt: number[];
    for (;;) {
      const at = below(rng, ids.length - length);
      const d = docAt[at];
      // Strictly inside the text: after the BOS, and the window's last token before the EOS.
      if (d >= 0 && at > docs[d].start && at + length < docs[d].end) {
        prompt = Array.from(ids.subarray(at, at + length));
        if (!sharesNgram(prompt, banned)) break;
      }
      rejected++;
    }
    const temperature = options.temperature ?? (n % 2 === 0 ? 0 : SAMPLED_T);
    const result = await generate({
      draft: pair.draft.model,
      target: pair.target.model,
      prompt,
      strategy: options.strategy,
      params: { temperature, topP: 1, topK: 0 },
      maxNewTokens: NEW_TOKENS,
      seed: rng.nextUint32(),
      eosTokenIds: [EOS],
    });
    out.push(...prompt, ...result.tokens);
    if (result.tokens[result.tokens.length - 1] !== EOS) out.push(EOS);
    generated += result.tokens.length;
    n++;
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      const rate = generated / ((now - start) / 1000);
      const eta = (options.budget - out.length) / (rate * (out.length / generated));
      console.error(
        `target: ${n} documents, ${out.length} / ${options.budget} tokens, ` +
          `${rate.toFixed(0)} new tokens/s, ~${(eta / 60).toFixed(1)} min left`,
      );
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.error(
    `target: ${n} documents (${options.strategy}), ${generated} new tokens in ${seconds.toFixed(1)} s ` +
      `= ${(generated / seconds).toFixed(0)} tokens/s; ${out.length} tokens stored; ${rejected} offsets redrawn`,
  );
  return out;
}

/** Whether `window` has BENCH_NGRAM consecutive tokens of a bench prompt. */
function sharesNgram(window: readonly number[], banned: ReadonlySet<string>): boolean {
  for (let i = 0; i + BENCH_NGRAM <= window.length; i++) {
    if (banned.has(window.slice(i, i + BENCH_NGRAM).join(','))) return true;
  }
  return false;
}

const MIB = 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      tokens: { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string', default: '1' },
      strategy: { type: 'string', default: 'chain:2' },
      append: { type: 'string' },
      out: { type: 'string', default: join(REPO_ROOT, TARGET, 'datastore.bin') },
    },
  });
  const from = values.from;
  const budget = Number(values.tokens);
  if (from !== 'corpus' && from !== 'target' && from !== 'mix') throw new Error('--from must be corpus, target or mix');
  if (!Number.isInteger(budget) || budget <= 0) throw new Error('--tokens must be a positive integer');
  const seed = Number(values.seed);
  const temperature = values.temperature === undefined ? null : Number(values.temperature);

  const t0 = performance.now();
  const ids = readUint16(join(DATA, 'train.bin'));
  const docs = splitDocs(ids);
  const target = (n: number) => targetTokens(ids, docs, { budget: n, seed, temperature, strategy: values.strategy });
  let tokens: number[];
  if (from === 'corpus') tokens = corpusTokens(ids, docs, budget, seed);
  else if (from === 'target') tokens = await target(budget);
  else {
    tokens = corpusTokens(ids, docs, Math.floor(budget / 2), seed);
    // A loop, not push(...part): spreading millions of arguments overflows the stack.
    for (const id of await target(budget - tokens.length)) tokens.push(id);
  }
  if (values.append) {
    const extra = decodeDatastore(readFileSync(values.append));
    console.error(`append: ${extra.length} tokens from ${values.append}`);
    for (const id of extra) tokens.push(id);
  }
  const bytes = encodeDatastore(tokens);
  writeFileSync(values.out, bytes);
  const buildSeconds = (performance.now() - t0) / 1000;

  // What a load costs: decode the file and build the suffix index, as src/runtime/datastore.ts does. Memory is
  // counted from the arrays (a heap delta here mostly measures when the GC last ran): the index keeps Int32 tokens
  // and the suffix order (8 bytes a token); while it builds, the file, the decoded Uint32 tokens and a spare order
  // array are alive too.
  const peakBefore = process.resourceUsage().maxRSS;
  const t1 = performance.now();
  const file = readFileSync(values.out);
  const index = SuffixIndex.build(decodeDatastore(file));
  const indexMs = performance.now() - t1;
  const peakGrowth = (process.resourceUsage().maxRSS - peakBefore) / 1024; // maxRSS is in KiB
  const n = index.size;
  console.log(
    [
      `file       ${values.out}`,
      `tokens     ${n}`,
      `bytes      ${bytes.length} (${(bytes.length / MIB).toFixed(2)} MiB)`,
      `build      ${buildSeconds.toFixed(1)} s`,
      `index      ${indexMs.toFixed(0)} ms (read + decode + SuffixIndex.build)`,
      `memory     index keeps ${((8 * n) / MIB).toFixed(1)} MiB; ${((file.length + 16 * n) / MIB).toFixed(1)} MiB ` +
        `alive at the peak of the build; peak RSS grew ${peakGrowth.toFixed(1)} MiB`,
    ].join('\n'),
  );
}

await main();
