/**
 * Errors raised while finding, downloading, parsing and checking a model. Every one names the file at fault, so the
 * UI and the CLI can show the message as it is and the user knows what to fix.
 */

/** Something about a model folder that stops it from loading. `file` is the file at fault, when there is one. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    /** The file at fault, e.g. `config.json` or `model-00001-of-00002.safetensors`. */
    readonly file: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

/** A malformed or inconsistent safetensors file (or a tensor that does not match the config). */
export class SafetensorsError extends ModelLoadError {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`, file);
    this.name = 'SafetensorsError';
  }
}

/** A config.json the runtime cannot use: a missing or invalid field, or an unsupported architecture. */
export class ConfigError extends ModelLoadError {
  constructor(
    file: string,
    /** The field at fault, e.g. `hidden_size` (null when the whole file is at fault). */
    readonly field: string | null,
    message: string,
  ) {
    super(`${file}: ${message}`, file);
    this.name = 'ConfigError';
  }
}

/** A download that failed: HTTP status (null for a network failure), after the one retry. */
export class FetchError extends ModelLoadError {
  constructor(
    file: string,
    /** The URL or path that was read. */
    readonly location: string,
    /** HTTP status, or null when the request never got one (network failure, dropped connection). */
    readonly status: number | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, file, options);
    this.name = 'FetchError';
  }
}

/** A required file that is not there (HTTP 404 or no such local file). */
export class FileNotFoundError extends FetchError {
  constructor(file: string, location: string) {
    super(file, location, 404, `file not found: ${file} (${location})`);
    this.name = 'FileNotFoundError';
  }
}

/** A draft and a target whose vocabularies differ (other than in padding rows). */
export class VocabularyMismatchError extends ModelLoadError {
  constructor(
    /** The first token id whose entry differs (null when the difference is not about one id). */
    readonly tokenId: number | null,
    message: string,
  ) {
    super(message, 'tokenizer.json');
    this.name = 'VocabularyMismatchError';
  }
}

/**
 * One side of a draft/target pair failed to load. Wraps the runtime's error (kept as `cause`, with its `file`) and
 * says which model and which source, since "config.json: missing required field" alone does not say whether the
 * draft or the target folder is broken.
 */
export class PairSideError extends ModelLoadError {
  constructor(
    /** Which model of the pair failed. */
    readonly role: 'draft' | 'target',
    /** The source as given (a path, URL or hub id). */
    readonly source: string,
    cause: ModelLoadError,
  ) {
    super(`${role} model ${source}: ${cause.message}`, cause.file, { cause });
    this.name = 'PairSideError';
  }
}

/** A prompt (plus the tokens to generate) longer than the model's max_position_embeddings. */
export class PromptTooLongError extends Error {
  constructor(
    readonly length: number,
    readonly maxPositions: number,
    message: string,
  ) {
    super(message);
    this.name = 'PromptTooLongError';
  }
}
