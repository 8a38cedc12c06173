"""Byte-level BPE (GPT-2 style), written from scratch: training, encoding, decoding, HF tokenizer.json export.

Encoding follows the Hugging Face `tokenizers` BPE model exactly: text -> GPT-2 pre-tokenizer regex ->
UTF-8 bytes mapped through GPT-2's bytes_to_unicode table -> repeatedly merge the adjacent pair with the
lowest merge rank (leftmost first) until no mergeable pair remains.
"""
import heapq, json
from collections import Counter, defaultdict

import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
PRE = regex.compile(GPT2_PATTERN)
SPECIALS = ['<|bos|>', '<|eos|>']          # ids 0, 1
N_SPECIAL = len(SPECIALS)


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    return PRE.findall(text)


def train(texts, vocab_size, min_freq=2, log=print):
    """texts: iterable of str. Returns list of merges [(a_str, b_str)] (byte-unicode strings)."""
    wc = Counter()
    for t in texts:
        wc.update(pretokenize(t))
    words = []      # list of symbol-id lists
    freqs = []
    # symbol ids: 0..255 = bytes (by byte value); new symbols appended
    sym_str = [B2U[b] for b in range(256)]
    for w, f in wc.items():
        words.append(list(w.encode('utf-8')))
        freqs.append(f)
    log(f'unique pre-tokens: {len(words)}')
    pair_cnt = defaultdict(int)
    where = defaultdict(set)
    for i, (w, f) in enumerate(zip(words, freqs)):
        for a, b in zip(w, w[1:]):
            pair_cnt[(a, b)] += f
            where[(a, b)].add(i)
    # heap keyed by (-count, left string, right string) -> deterministic tie break
    heap = [(-c, sym_str[p[0]], sym_str[p[1]], p) for p, c in pair_cnt.items()]
    heapq.heapify(heap)
    merges = []
    n_merges = vocab_size - N_SPECIAL - 256
    while len(merges) < n_merges and heap:
        negc, _, _, pair = heapq.heappop(heap)
        c = pair_cnt.get(pair, 0)
        if c != -negc:
            continue          # stale entry
        if c < min_freq:
            break
        a, b = pair
        new = len(sym_str)
        sym_str.append(sym_str[a] + sym_str[b])
        merges.append((sym_str[a], sym_str[b]))
        changed = set()
        for i in list(where[pair]):
            w, f = words[i], freqs[i]
            if len(w) < 2:
                continue
            for x, y in zip(w, w[1:]):
                pair_cnt[(x, y)] -= f
                changed.add((x, y))
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(new); j += 2
                else:
                    out.append(w[j]); j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pair_cnt[(x, y)] += f
                where[(x, y)].add(i)
                changed.add((x, y))
        del pair_cnt[pair]
        where.pop(pair, None)
        for p in changed:
            if p == pair:
                continue
            cnt = pair_cnt.get(p, 0)
            if cnt > 0:
                heapq.heappush(heap, (-cnt, sym_str[p[0]], sym_str[p[1]], p))
            elif p in pair_cnt:
                del pair_cnt[p]
        if len(merges) % 500 == 0:
            log(f'merge {len(merges)}: {sym_str[a]!r}+{sym_str[b]!r} count={c}')
    return merges


class Tokenizer:
    def __init__(self, vocab, merges, specials=SPECIALS):
        self.vocab = vocab                      # str -> id
        self.inv = {i: s for s, i in vocab.items()}
        self.ranks = {tuple(m): r for r, m in enumerate(merges)}
        self.specials = {s: vocab[s] for s in specials}
        self.cache = {}

    @classmethod
    def from_merges(cls, merges):
        vocab = {s: i for i, s in enumerate(SPECIALS)}
        for b in range(256):
            vocab[B2U[b]] = N_SPECIAL + b
        for a, b in merges:
            vocab[a + b] = len(vocab)
        return cls(vocab, merges)

    @classmethod
    def load(cls, path):
        j = json.load(open(path, encoding='utf-8'))
        merges = [tuple(m.split(' ')) if isinstance(m, str) else tuple(m) for m in j['model']['merges']]
        vocab = dict(j['model']['vocab'])
        for t in j['added_tokens']:
            vocab[t['content']] = t['id']
        return cls(vocab, merges, [t['content'] for t in j['added_tokens']])

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best, bi = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            syms[bi:bi + 2] = [syms[bi] + syms[bi + 1]]
        ids = [self.vocab[s] for s in syms]
        if len(self.cache) < 500000:
            self.cache[word] = ids
        return ids

    def encode(self, text):
        """Plain text (special-token strings are NOT parsed; add ids yourself)."""
        out = []
        for w in pretokenize(text):
            out.extend(self.bpe(''.join(B2U[b] for b in w.encode('utf-8'))))
        return out

    def decode(self, ids):
        parts, buf = [], []
        for i in ids:
            s = self.inv[i]
            if s in self.specials:
                parts.append(bytes(buf).decode('utf-8', errors='replace')); buf = []
                parts.append(s)
            else:
                buf.extend(U2B[c] for c in s)
        parts.append(bytes(buf).decode('utf-8', errors='replace'))
        return ''.join(parts)

    def to_hf_json(self, merges):
        added = [dict(id=i, content=s, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True)
                 for s, i in sorted(self.specials.items(), key=lambda kv: kv[1])]
        vocab = {s: i for s, i in sorted(self.vocab.items(), key=lambda kv: kv[1])}
        return {
            'version': '1.0', 'truncation': None, 'padding': None,
            'added_tokens': added,
            'normalizer': None,
            'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
            'post_processor': None,
            'decoder': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
            'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                      'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                      'vocab': vocab, 'merges': [[a, b] for a, b in merges]},
        }
