/**
 * Corpus datastores for `@corpus` strategies, in the page and in the CLI: the one a model folder ships
 * (`datastore.bin`, see core/ngram/datastore-file.ts), or one built from a text the user gives, tokenized with the
 * pair's tokenizer. Either way the suffix array is built here, with progress.
 */
import { decodeDatastore } from '../core/ngram/datastore-file';
import { SuffixIndex } from '../core/ngram/suffix-index';
import { createFileFetcher, type FetcherOptions, type ReadOptions } from './fetch';
import { parseModelSource } from './source';
import type { ModelSource, TextTokenizer } from './types';

/** The datastore file a model folder may ship next to its weights. */
export const DATASTORE_FILE = 'datastore.bin';

/** Characters tokenized per chunk of a user's text (chunks end at whitespace, so no token is split). */
const CHUNK_CHARS = 64 * 1024;

/** Progress of a datastore build: which stage, and the fraction of it done. */
export type DatastoreProgress = (stage: 'tokenize' | 'index', fraction: number) => void;

/** A datastore ready for `generate`, with where it came from and what it cost. */
export interface LoadedDatastore {
  index: SuffixIndex;
  /** e.g. `models/specdec-target/datastore.bin` or `pasted text (1.0 MB)`. */
  label: string;
  tokens: number;
  /** Wall time to tokenize (text only) and index, ms. */
  buildMs: number;
  /** Bytes the index holds (tokens, suffix order). */
  memoryBytes: number;
}

/**
 * Reads the datastore a model folder ships, or returns null when it has none.
 * @param options.read the download's abort signal and byte progress
 * @throws the fetcher's errors for anything but a missing file, DatastoreFormatError for a malformed one
 */
export async function fetchDatastore(
  source: ModelSource | string,
  options: { fetcher?: FetcherOptions; read?: ReadOptions; onProgress?: DatastoreProgress; now?: () => number } = {},
): Promise<LoadedDatastore | null> {
  const src = typeof source === 'string' ? parseModelSource(source) : source;
  const fetcher = createFileFetcher(src, options.fetcher);
  const bytes = await fetcher.readOptional(DATASTORE_FILE, options.read);
  if (!bytes) return null;
  const now = options.now ?? (() => performance.now());
  const start = now();
  const index = SuffixIndex.build(decodeDatastore(bytes), undefined, (f) => options.onProgress?.('index', f));
  return loaded(index, fetcher.locate(DATASTORE_FILE), now() - start);
}

/**
 * A datastore from a user's file or pasted text: a datastore file (starts with "SDNG") is read as it is; anything
 * else is UTF-8 text, tokenized chunk by chunk with the pair's tokenizer (no special tokens) and indexed.
 */
export async function datastoreFromUser(
  content: Uint8Array | string,
  tokenizer: TextTokenizer,
  options: { label: string; onProgress?: DatastoreProgress; now?: () => number },
): Promise<LoadedDatastore> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  const isFile = typeof content !== 'string' && new TextDecoder().decode(content.subarray(0, 4)) === 'SDNG';
  let tokens: ArrayLike<number>;
  if (isFile) tokens = decodeDatastore(content);
  else {
    const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
    tokens = tokenizeInChunks(text, tokenizer, (f) => options.onProgress?.('tokenize', f));
  }
  if (tokens.length === 0) throw new Error(`${options.label}: no text to build a datastore from`);
  const index = SuffixIndex.build(tokens, undefined, (f) => options.onProgress?.('index', f));
  return loaded(index, options.label, now() - start);
}

/** Token ids of `text`, encoded in whitespace-bounded chunks so progress can be reported. */
export function tokenizeInChunks(text: string, tokenizer: TextTokenizer, onProgress?: (f: number) => void): number[] {
  const out: number[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + CHUNK_CHARS);
    // Cut before a whitespace run, so the pre-tokenizer sees each word whole (" word" stays one piece).
    while (end < text.length && end > at && !/\s/.test(text[end])) end--;
    if (end === at) end = Math.min(text.length, at + CHUNK_CHARS);
    for (const id of tokenizer.encode(text.slice(at, end), { addSpecialTokens: false })) out.push(id);
    at = end;
    onProgress?.(at / text.length);
  }
  return out;
}

function loaded(index: SuffixIndex, label: string, buildMs: number): LoadedDatastore {
  return { index, label, tokens: index.size, buildMs, memoryBytes: index.size * 8 };
}
