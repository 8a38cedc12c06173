/**
 * Model source strings, as a user types them in the UI, the CLI or a URL hash, -> {@link ModelSource}.
 *
 * The rule:
 * - `hf:org/name` or `hf:org/name@revision` -> the Hugging Face hub (revision defaults to `main`);
 * - `http://...` or `https://...` -> a folder URL;
 * - `/...`, `./...`, `../...` (and `C:\...`, `file://...` in Node) -> a local folder in Node, a URL the page
 *   serves in the browser (resolved against `baseUrl` when one is given, e.g. the page's URL);
 * - `org/name` or `org/name@revision` -> the hub (so a local folder must be written `./models/name`, not `models/name`);
 * - anything else is an error naming the input and the accepted forms.
 */
import { ModelLoadError } from './errors';
import type { ModelSource } from './types';

/** The public hub; overridable for mirrors and for tests. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** True when running in Node (not in a browser page or a Web Worker). */
export function isNodeRuntime(): boolean {
  return typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;
}

/** Options of {@link parseModelSource}. */
export interface ParseSourceOptions {
  /** Which rule applies to local-looking inputs; defaults to the runtime this code runs in. */
  runtime?: 'node' | 'browser';
  /** Hub endpoint for hub sources (default https://huggingface.co). */
  endpoint?: string;
  /**
   * Base URL that relative URL sources are resolved against (browser only). Pass the page's URL when the loading
   * happens in a Web Worker, whose own location is the worker script's, not the page's.
   */
  baseUrl?: string;
}

const HUB_ID = /^([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?$/;

/** Ensures a folder URL ends in `/`, so `new URL(file, folder)` lands inside the folder. */
export function asFolderUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Parses a model source string (see the module comment for the rule).
 * @throws ModelLoadError when the text matches none of the forms
 */
export function parseModelSource(text: string, options: ParseSourceOptions = {}): ModelSource {
  const input = text.trim();
  const runtime = options.runtime ?? (isNodeRuntime() ? 'node' : 'browser');
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');

  const hub = HUB_ID.exec(input.startsWith('hf:') ? input.slice(3) : input);
  if (hub && !input.startsWith('.')) {
    return { kind: 'hub', id: hub[1], revision: hub[2] ?? 'main', endpoint };
  }
  if (/^https?:\/\//i.test(input)) return { kind: 'url', url: asFolderUrl(input) };
  if (runtime === 'node') {
    if (/^file:\/\//i.test(input)) return { kind: 'path', path: decodeURIComponent(new URL(input).pathname) };
    if (/^(\/|\.\.?[\\/]|\.\.?$|[A-Za-z]:[\\/])/.test(input)) return { kind: 'path', path: input };
  } else if (/^(\/|\.\.?\/)/.test(input)) {
    const url = asFolderUrl(input);
    return { kind: 'url', url: options.baseUrl ? new URL(url, options.baseUrl).href : url };
  }
  throw new ModelLoadError(
    `cannot read model source ${JSON.stringify(text)}: use a hub id (org/name, hf:org/name@revision), ` +
      `an http(s):// folder URL, or a path starting with /, ./ or ../`,
  );
}

/** A short display id for a source: the hub id (with a non-main revision), the URL or the path. */
export function describeModelSource(source: ModelSource): string {
  switch (source.kind) {
    case 'hub':
      return source.revision === 'main' ? source.id : `${source.id}@${source.revision}`;
    case 'url':
      return source.url;
    case 'path':
      return source.path;
  }
}
