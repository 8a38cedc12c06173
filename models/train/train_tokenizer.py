#!/usr/bin/env python3
"""Train the byte-level BPE tokenizer (vocab 4096 = 2 specials + 256 bytes + 3838 merges) on the TRAIN split only,
write models/train/out/tokenizer.json + tokenizer_config.json (Hugging Face format), and tokenize both splits into
models/train/data/{train,valid}.bin (uint16 ids; each document wrapped as <|bos|> ... <|eos|>). Deterministic."""
import json, os, time
import numpy as np
import bpe

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
OUT = os.path.join(HERE, 'out')
VOCAB = 4096
MAX_LEN = 1024


def docs(split):
    with open(os.path.join(DATA, f'{split}.jsonl'), encoding='utf-8') as fh:
        for line in fh:
            yield json.loads(line)


def main():
    os.makedirs(OUT, exist_ok=True)
    t0 = time.time()
    merges = bpe.train((d['text'] for d in docs('train')), VOCAB)
    tok = bpe.Tokenizer.from_merges(merges)
    assert len(tok.vocab) == VOCAB, len(tok.vocab)
    print(f'trained {len(merges)} merges in {time.time() - t0:.1f}s')
    json.dump(tok.to_hf_json(merges), open(os.path.join(OUT, 'tokenizer.json'), 'w', encoding='utf-8'), ensure_ascii=False)
    cfg = {
        'tokenizer_class': 'PreTrainedTokenizerFast',
        'bos_token': '<|bos|>', 'eos_token': '<|eos|>', 'pad_token': '<|eos|>', 'unk_token': None,
        'add_bos_token': True, 'add_eos_token': False,
        'model_max_length': MAX_LEN,
        'clean_up_tokenization_spaces': False,
    }
    json.dump(cfg, open(os.path.join(OUT, 'tokenizer_config.json'), 'w'), indent=2)
    stats = {}
    for split in ('train', 'valid'):
        ids, nbytes = [], 0
        for d in docs(split):
            ids.append(0); ids.extend(tok.encode(d['text'])); ids.append(1)
            nbytes += len(d['text'].encode('utf-8'))
        arr = np.array(ids, dtype=np.uint16)
        arr.tofile(os.path.join(DATA, f'{split}.bin'))
        stats[split] = dict(tokens=len(arr), bytes=nbytes, bytes_per_token=round(nbytes / len(arr), 3))
        print(split, stats[split])
    # sanity: python round trip
    for d in list(docs('valid'))[:3]:
        assert tok.decode(tok.encode(d['text'])) == d['text']
    json.dump(stats, open(os.path.join(DATA, 'token_stats.json'), 'w'), indent=1)
    print(f'done in {time.time() - t0:.1f}s')


if __name__ == '__main__':
    main()
