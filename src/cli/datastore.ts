/**
 * The corpus datastore of the CLI's `@corpus` strategies: `--datastore FILE` (a datastore file, or any UTF-8 text
 * to index with the pair's tokenizer), else the `datastore.bin` the target folder ships. Loaded on first use, so
 * commands that never draft from a corpus pay nothing.
 */
import { datastoreFromUser, fetchDatastore, type LoadedDatastore } from '../runtime/datastore';
import { CliError, nowMs, readFileBytes } from './io';
import { resolveSourceText, type CliPair } from './models';

/**
 * A loader of the datastore for these options (see the file comment); it logs what it built and what it cost.
 * @param file the --datastore value, if any
 * @param target the --target source text (where the shipped datastore is looked for)
 */
export function openDatastore(
  file: string | undefined,
  target: string,
  pair: CliPair,
  log: (line: string) => void,
): () => Promise<LoadedDatastore> {
  return async () => {
    let lastTenth = -1;
    const onProgress = (stage: 'tokenize' | 'index', fraction: number): void => {
      const tenth = Math.floor(fraction * 10);
      if (stage === 'tokenize' && tenth !== lastTenth) log(`datastore: tokenizing ${(lastTenth = tenth) * 10}%`);
    };
    let store: LoadedDatastore;
    if (file) {
      const bytes = await readFileBytes(file, 'datastore');
      store = await datastoreFromUser(bytes, pair.tokenizer, { label: file, onProgress, now: nowMs });
    } else {
      const shipped = await fetchDatastore(resolveSourceText(target, 'target model'), { now: nowMs });
      if (!shipped) {
        throw new CliError(
          `the target ${target} ships no datastore.bin, which @corpus strategies draft from: ` +
            'give --datastore FILE (a text file to index, or a datastore file)',
        );
      }
      store = shipped;
    }
    log(
      `datastore: ${store.label}, ${store.tokens} tokens, indexed in ${store.buildMs.toFixed(0)} ms ` +
        `(${(store.memoryBytes / 2 ** 20).toFixed(1)} MiB)`,
    );
    return store;
  };
}
