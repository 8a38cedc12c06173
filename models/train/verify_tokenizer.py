#!/usr/bin/env python3
"""Check the exported tokenizer with the npm package @huggingface/tokenizers (the one the web app uses):
JS encode->decode must round-trip byte-exactly, and JS ids must equal this Python implementation's ids.
Usage: verify_tokenizer.py [path/to/tokenizer.json]   (needs node + /work/main/node_modules)"""
import json, os, subprocess, sys
import bpe

HERE = os.path.dirname(os.path.abspath(__file__))
tj = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'out', 'tokenizer.json')
tok = bpe.Tokenizer.load(tj)
texts = [
    "In the beginning God created the heaven and the earth.",
    "Call me Ishmael. Some years ago\u2014never mind how long precisely\u2014having little or no money",
    "  leading spaces, trailing spaces   \n\n\nthree newlines\ttab\t\ttabs\r\nCRLF",
    "Numbers: 0 1 12 123 1234567890 3.14159 1,000,000 -42 1776\u20131789",
    "Unicode: caf\u00e9 na\u00efve \u00fcber \u00c5ngstr\u00f6m \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u65e5\u672c\u8a9e \u4e2d\u6587 \ud55c\uad6d\uc5b4 \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "Emoji: \U0001F600\U0001F680 \U0001F468\u200d\U0001F469\u200d\U0001F467 flags \U0001F1FA\U0001F1F8 \u2764\ufe0f ok",
    "Quotes \u201ccurly\u201d \u2018single\u2019 it's we're they'll I'd you've I'm DON'T",
    "Symbols: @#$%^&*()_+-=[]{}|;:'\",.<>/?`~ \\ back\\slash",
    "The LORD is my shepherd; I shall not want.\n2 He maketh me to lie down in green pastures",
    "Fellow-Citizens of the Senate and House of Representatives:",
    "",
    " ",
    "\n",
    "a",
    "        code    indented\n    more",
    "mixed\u00a0nbsp and\u2003em-space and zero\u200bwidth",
    "x" * 300,
    "Yahweh\u2019s law. On his law he meditates day and night.",
]
with open(os.path.join(HERE, 'data', 'valid.jsonl'), encoding='utf-8') as fh:
    for i, line in enumerate(fh):
        if i % 6 == 0:
            texts.append(json.loads(line)['text'][:3000])
cases = [dict(text=t, ids=tok.encode(t)) for t in texts]
for c in cases:
    assert tok.decode(c['ids']) == c['text'], c['text']
os.makedirs(os.path.join(HERE, 'ckpt'), exist_ok=True)
cp = os.path.join(HERE, 'ckpt', 'tok_cases.json')
json.dump(cases, open(cp, 'w', encoding='utf-8'), ensure_ascii=False)
r = subprocess.run(['node', os.path.join(HERE, 'verify_tokenizer.mjs'), tj, cp], capture_output=True, text=True)
print(r.stdout, r.stderr)
sys.exit(r.returncode)
