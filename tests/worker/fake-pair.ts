/**
 * Engine-host dependencies over the table-driven test models: a draft/target pair with a one-character-per-token
 * tokenizer, so the protocol, the store and the UI can be tested without onnxruntime.
 */
import { datastoreFromUser } from '../../src/runtime/datastore';
import type { LlamaConfig, LoadedModel, TextTokenizer } from '../../src/runtime/types';
import type { HostDeps, LoadedPair } from '../../src/worker/engine-host';
import { TableLm } from '../helpers/table-lm';

/** Token i is the i-th character of this string; the last one is EOS. */
export const FAKE_CHARS = 'abcdefghijklmnopqrstuvwxyz .,!\u00a7';
/** The EOS token id of the fake vocabulary. */
export const FAKE_EOS = FAKE_CHARS.length - 1;

/** A tokenizer where each character is one token (unknown characters map to the space). */
export function fakeTokenizer(): TextTokenizer {
  return {
    vocabSize: FAKE_CHARS.length,
    bosTokenId: null,
    eosTokenIds: [FAKE_EOS],
    encode: (text) => [...text].map((c) => (FAKE_CHARS.includes(c) ? FAKE_CHARS.indexOf(c) : FAKE_CHARS.indexOf(' '))),
    decode: (ids) => ids.map((i) => FAKE_CHARS[i] ?? '?').join(''),
    tokenText: (id) => FAKE_CHARS[id] ?? '?',
    applyChatTemplate: null,
  };
}

function fakeConfig(vocab: number): LlamaConfig {
  return {
    modelType: 'llama',
    vocabSize: vocab,
    hiddenSize: 8,
    intermediateSize: 16,
    numLayers: 1,
    numHeads: 1,
    numKvHeads: 1,
    headDim: 8,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    maxPositions: 4096,
    tieWordEmbeddings: true,
    attentionBias: false,
    bosTokenId: null,
    eosTokenIds: [FAKE_EOS],
  };
}

/** A fresh table-driven pair (the draft approximates the target). */
export function fakePair(seed = 7): LoadedPair {
  const vocab = FAKE_CHARS.length;
  const targetLm = new TableLm({ vocab, order: 2, seed, sharpness: 3 });
  const draftLm = new TableLm({ vocab, order: 2, seed: seed + 1, sharpness: 0.7, like: targetLm });
  const backend = { backend: 'wasm' as const, threads: 1, fp16: false, fallbackReason: null };
  const model = (id: string, lm: TableLm): LoadedModel => ({
    id,
    hash: `hash-${id}`,
    config: fakeConfig(vocab),
    model: lm,
    tokenizer: fakeTokenizer(),
    backend,
  });
  return { draft: model('fake-draft', draftLm), target: model('fake-target', targetLm), tokenizer: fakeTokenizer() };
}

/** Options of fakeDeps. */
export interface FakeDepsOptions {
  /** Fail loads whose draft source is this string, with this error. */
  failDraft?: { source: string; error: Error };
  /** Progress events to send before a load resolves. */
  files?: string[];
  /**
   * The text of the datastore every target "ships" (indexed with the fake tokenizer), or an Error its load throws;
   * absent: targets ship none.
   */
  datastore?: string | Error;
}

/** Host deps that "load" the fake pair (recording each request) and use a real clock. */
export function fakeDeps(options: FakeDepsOptions = {}): HostDeps & { loads: string[] } {
  const loads: string[] = [];
  return {
    loads,
    loadPair: async (req, { onProgress, signal }) => {
      loads.push(`${req.draft}|${req.target}|${req.backend}`);
      for (const file of options.files ?? ['config.json', 'model.safetensors']) {
        onProgress({ role: 'draft', file, loaded: 10, total: 10, fromCache: false });
      }
      await new Promise((r) => setTimeout(r, 1));
      signal.throwIfAborted();
      if (options.failDraft && req.draft === options.failDraft.source) throw options.failDraft.error;
      return fakePair();
    },
    loadDatastore: async (req, { onIndex }) => {
      const shipped = options.datastore;
      if (shipped === undefined) return null;
      if (shipped instanceof Error) throw shipped;
      return datastoreFromUser(shipped, fakeTokenizer(), {
        label: `${req.target}/datastore.bin`,
        onProgress: (stage, f) => {
          if (stage === 'index') onIndex(f);
        },
      });
    },
    now: () => performance.now(),
  };
}
