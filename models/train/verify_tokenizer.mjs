// node verify_tokenizer.mjs tokenizer.json cases.json  -- compares @huggingface/tokenizers with the Python ids
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const [tjPath, casesPath] = process.argv.slice(2);
const tj = JSON.parse(readFileSync(tjPath, 'utf8'));
const cfg = JSON.parse(readFileSync(join(dirname(tjPath), 'tokenizer_config.json'), 'utf8'));
const tok = new Tokenizer(tj, cfg);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
let bad = 0;
for (const c of cases) {
  const enc = tok.encode(c.text, { add_special_tokens: false });
  const same = enc.ids.length === c.ids.length && enc.ids.every((v, i) => v === c.ids[i]);
  const dec = enc.ids.length ? tok.decode(enc.ids) : '';
  const rt = dec === c.text;
  if (!same || !rt) {
    bad++;
    console.log('MISMATCH', JSON.stringify(c.text.slice(0, 80)), { same, rt, js: enc.ids.slice(0, 20), py: c.ids.slice(0, 20), dec: dec.slice(0, 80) });
  }
}
// special tokens: ids 0/1 decode to their strings and are parsed back from text
const sp = tok.encode('<|bos|>Hi<|eos|>', { add_special_tokens: false }).ids;
if (sp[0] !== 0 || sp[sp.length - 1] !== 1) { bad++; console.log('special tokens not parsed', sp); }
console.log(`${cases.length} cases, ${bad} failures, vocab ${Object.keys(tj.model.vocab).length}+${tj.added_tokens.length} added`);
process.exit(bad ? 1 : 0);
