/**
 * What the user gives to build a corpus datastore from (pasted text, or a file), checked on the page before it goes
 * to the engine: empty input and files that are neither text nor a datastore file are refused with a message that
 * says what to give instead. Pure functions, no DOM.
 */

/** The first bytes of a datastore file (core/ngram/datastore-file.ts). */
const DATASTORE_MAGIC = 'SDNG';

/** Bytes looked at to tell a text file from a binary one. */
const SNIFF_BYTES = 64 * 1024;

/** Content ready for the engine, with the label the datastore will carry; or why there is none. */
export type DatastoreInput = { ok: true; content: string | Uint8Array; label: string } | { ok: false; error: string };

/** A byte count for labels: `512 B`, `1.2 KB`, `3.4 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/** Pasted text: refused when it holds nothing but whitespace. */
export function pastedInput(text: string): DatastoreInput {
  if (text.trim() === '') {
    return { ok: false, error: 'the text is empty: paste some text to draft from, or choose a file' };
  }
  return { ok: true, content: text, label: `pasted text (${formatSize(new TextEncoder().encode(text).length)})` };
}

/** Whether bytes start with the datastore file's magic. */
export function isDatastoreFile(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === DATASTORE_MAGIC;
}

/**
 * Whether bytes read as text: valid UTF-8 (a multi-byte character cut at the sniffed window's end is allowed) with no
 * NUL and few other control characters (tab, newlines and form feed are text).
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length < bytes.length });
  } catch {
    return false;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) control++;
  }
  return control <= text.length / 100;
}

/**
 * A file's bytes: a datastore file (kept as bytes, the engine reads it), or UTF-8 text (refused when empty);
 * anything else is refused naming the file.
 */
export function fileInput(name: string, bytes: Uint8Array): DatastoreInput {
  const label = `${name} (${formatSize(bytes.length)})`;
  if (isDatastoreFile(bytes)) return { ok: true, content: bytes, label };
  if (!looksLikeText(bytes)) {
    return {
      ok: false,
      error:
        `${name} is neither a text file (UTF-8) nor a datastore file (one starting with "SDNG"): ` +
        'choose a text to draft from, or a datastore.bin',
    };
  }
  if (new TextDecoder().decode(bytes).trim() === '') {
    return { ok: false, error: `${name} is empty: choose a file with some text in it` };
  }
  return { ok: true, content: bytes, label };
}
