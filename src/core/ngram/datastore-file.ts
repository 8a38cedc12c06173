/**
 * The datastore file: a token corpus as it is shipped next to a model (`datastore.bin`) or saved by the CLI. The
 * suffix array is rebuilt at load (a second, a few MB), so the file holds only the tokens:
 *
 *     bytes 0..3   "SDNG"
 *     byte  4      format version (1)
 *     byte  5      bytes per token: 2 (ids < 65536) or 4
 *     bytes 6..7   0
 *     bytes 8..11  token count n, uint32 little-endian
 *     bytes 12..   n token ids, little-endian
 */

const MAGIC = [0x53, 0x44, 0x4e, 0x47]; // "SDNG"
const VERSION = 1;
const HEADER_BYTES = 12;

/** A datastore file that cannot be read. */
export class DatastoreFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatastoreFormatError';
  }
}

/** The bytes of a datastore file holding `tokens`. */
export function encodeDatastore(tokens: ArrayLike<number>): Uint8Array {
  let max = 0;
  for (let i = 0; i < tokens.length; i++) max = Math.max(max, tokens[i]);
  const width = max < 65536 ? 2 : 4;
  const bytes = new Uint8Array(HEADER_BYTES + width * tokens.length);
  const view = new DataView(bytes.buffer);
  MAGIC.forEach((b, i) => (bytes[i] = b));
  bytes[4] = VERSION;
  bytes[5] = width;
  view.setUint32(8, tokens.length, true);
  for (let i = 0; i < tokens.length; i++) {
    const at = HEADER_BYTES + width * i;
    if (width === 2) view.setUint16(at, tokens[i], true);
    else view.setUint32(at, tokens[i], true);
  }
  return bytes;
}

/**
 * The tokens of a datastore file.
 * @throws DatastoreFormatError saying what is wrong (not a datastore, unknown version, truncated)
 */
export function decodeDatastore(bytes: Uint8Array): Uint32Array {
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatastoreFormatError('not a datastore file (it does not start with "SDNG")');
  }
  if (bytes[4] !== VERSION) {
    throw new DatastoreFormatError(`datastore format version ${bytes[4]} is not supported (this build reads 1)`);
  }
  const width = bytes[5];
  if (width !== 2 && width !== 4) throw new DatastoreFormatError(`datastore token width ${width} is not 2 or 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8, true);
  if (bytes.length !== HEADER_BYTES + width * n) {
    throw new DatastoreFormatError(
      `datastore file is ${bytes.length} bytes, expected ${HEADER_BYTES + width * n} for ${n} tokens (truncated?)`,
    );
  }
  const tokens = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = HEADER_BYTES + width * i;
    tokens[i] = width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
  }
  return tokens;
}
