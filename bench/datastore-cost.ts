/**
 * What a datastore costs at load: the shipped `datastore.bin` of the bundled target, and a datastore built from a
 * 1 MB text (tokenized with the pair's tokenizer, then indexed), as the page's picker and `--datastore FILE` do.
 * Prints wall times and memory (the index's arrays, and the process's RSS before and after).
 *
 *   npx tsx bench/datastore-cost.ts [TEXT_FILE]     (default: the README, repeated to 1 MB)
 */
import { readFileSync } from 'node:fs';
import { datastoreFromUser, fetchDatastore } from '../src/runtime/datastore';
import { parseLlamaConfig } from '../src/runtime/config';
import { createTokenizer } from '../src/runtime/tokenizer';

const MB = 2 ** 20;
const rss = (): number => process.memoryUsage().rss / MB;

const before = rss();
const shipped = await fetchDatastore('./models/specdec-target');
if (!shipped) throw new Error('models/specdec-target has no datastore.bin');
console.log(
  `shipped: ${shipped.tokens} tokens, indexed in ${shipped.buildMs.toFixed(0)} ms, index ${(shipped.memoryBytes / MB).toFixed(1)} MiB, ` +
    `RSS +${(rss() - before).toFixed(0)} MiB`,
);

const file = process.argv[2];
let text = file ? readFileSync(file, 'utf8') : readFileSync('README.md', 'utf8');
while (text.length < MB) text += `\n${text}`;
text = text.slice(0, MB);
const folder = 'models/specdec-target';
const json = (name: string): unknown => JSON.parse(readFileSync(`${folder}/${name}`, 'utf8'));
const tokenizer = createTokenizer({
  tokenizerJson: json('tokenizer.json'),
  tokenizerConfig: json('tokenizer_config.json'),
  generationConfig: json('generation_config.json'),
  config: parseLlamaConfig(json('config.json')),
  chatTemplate: null,
});
const mid = rss();
const t0 = performance.now();
let tokenizeMs = 0;
const user = await datastoreFromUser(text, tokenizer, {
  label: 'pasted text (1 MB)',
  onProgress: (stage, f) => {
    if (stage === 'tokenize' && f === 1) tokenizeMs = performance.now() - t0;
  },
});
console.log(
  `1 MB text: ${user.tokens} tokens, tokenized in ${tokenizeMs.toFixed(0)} ms, tokenized + indexed in ${user.buildMs.toFixed(0)} ms, ` +
    `index ${(user.memoryBytes / MB).toFixed(1)} MiB, RSS +${(rss() - mid).toFixed(0)} MiB`,
);
