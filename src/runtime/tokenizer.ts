/**
 * The model's tokenizer (tokenizer.json + tokenizer_config.json, read by `@huggingface/tokenizers`) as a
 * {@link TextTokenizer}: encode with BOS as the config asks, exact decode, per-token text for the tree view, the
 * end-of-sequence ids from every file that lists them, and the chat template rendered by `@huggingface/jinja`.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { parseGenerationConfig } from './config';
import { ModelLoadError } from './errors';
import type { LlamaConfig, TextTokenizer } from './types';

/** What the pair check needs to compare two vocabularies. */
export interface VocabularyView {
  /** Number of token ids (the largest id + 1, added tokens included). */
  readonly vocabSize: number;
  /** The token's string as stored in the vocabulary (e.g. `Ġthe`), undefined for an unused id. */
  idToToken(id: number): string | undefined;
  /** Special added tokens (`<|endoftext|>`, `<s>`...) by id. */
  readonly specialTokens: ReadonlyMap<number, string>;
}

/** The runtime's tokenizer: a {@link TextTokenizer} that also exposes its vocabulary. */
export interface HfTextTokenizer extends TextTokenizer, VocabularyView {}

/** The files a tokenizer is built from, already parsed as JSON (null/undefined when the folder lacks them). */
export interface TokenizerFiles {
  tokenizerJson: unknown;
  tokenizerConfig?: unknown;
  generationConfig?: unknown;
  /** The model's parsed config.json, for its bos/eos ids. */
  config?: LlamaConfig | null;
  /** A separate `chat_template.jinja`, used when tokenizer_config.json has no `chat_template`. */
  chatTemplate?: string | null;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A special token in tokenizer_config.json: a string or an AddedToken object `{ content }`. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return null;
}

/** `chat_template` is a string or a list of `{ name, template }` (the `default` one is used, else the first). */
function pickChatTemplate(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  const named = value.filter(
    (t): t is { name: unknown; template: string } => isRecord(t) && typeof t.template === 'string',
  );
  return (named.find((t) => t.name === 'default') ?? named[0])?.template ?? null;
}

/**
 * Builds the tokenizer.
 * @throws ModelLoadError naming tokenizer.json when it cannot be read, or tokenizer_config.json when its chat
 *   template does not parse
 */
export function createTokenizer(files: TokenizerFiles): HfTextTokenizer {
  const tokConfig = isRecord(files.tokenizerConfig) ? files.tokenizerConfig : {};
  if (!isRecord(files.tokenizerJson) || !isRecord(files.tokenizerJson.model)) {
    throw new ModelLoadError('tokenizer.json: not a tokenizer (no "model" object)', 'tokenizer.json');
  }
  const tokenizerJson = { added_tokens: [], ...files.tokenizerJson };
  // The library cleans up spaces before punctuation unless told not to; the playground shows the exact text (as
  // transformers v5 does by default), so it is off unless the config asks for it.
  const libConfig = { ...tokConfig, clean_up_tokenization_spaces: tokConfig.clean_up_tokenization_spaces === true };
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson, libConfig);
  } catch (err) {
    throw new ModelLoadError(
      `tokenizer.json: cannot build the tokenizer (${(err as Error).message})`,
      'tokenizer.json',
      {
        cause: err,
      },
    );
  }

  const vocab = tok.model?.vocab ?? [];
  const specialTokens = new Map<number, string>();
  for (const [id, added] of tok.get_added_tokens_decoder()) if (added.special) specialTokens.set(id, added.content);
  const idOf = (value: unknown): number | null => {
    const content = tokenContent(value);
    return content === null ? null : (tok.token_to_id(content) ?? null);
  };

  const generation = parseGenerationConfig(files.generationConfig);
  const config = files.config ?? null;
  const bosTokenId = idOf(tokConfig.bos_token) ?? config?.bosTokenId ?? generation.bosTokenId;
  const configEos = idOf(tokConfig.eos_token);
  const eosTokenIds = [
    ...new Set([...(config?.eosTokenIds ?? []), ...generation.eosTokenIds, ...(configEos === null ? [] : [configEos])]),
  ];
  const addBos = typeof tokConfig.add_bos_token === 'boolean' ? tokConfig.add_bos_token : null;

  const encode = (text: string, options?: { addSpecialTokens?: boolean }): number[] => {
    const special = options?.addSpecialTokens ?? true;
    const ids = tok.encode(text, { add_special_tokens: special }).ids;
    if (!special || bosTokenId === null) return ids;
    // tokenizer_config's add_bos_token overrides tokenizer.json's post-processor, as transformers does for Llama.
    if (addBos === true && ids[0] !== bosTokenId) ids.unshift(bosTokenId);
    const plain = (): number[] => tok.encode(text, { add_special_tokens: false }).ids;
    if (addBos === false && ids[0] === bosTokenId && plain()[0] !== bosTokenId) ids.shift();
    // Chat templates often write the BOS into the text; do not add a second one in front of it.
    if (ids[0] === bosTokenId && ids[1] === bosTokenId && plain()[0] === bosTokenId) ids.shift();
    return ids;
  };

  const decode = (ids: readonly number[]): string =>
    ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: false });

  const tokenText = (id: number): string =>
    Number.isInteger(id) && id >= 0 && vocab[id] !== undefined ? decode([id]) : `<unk:${id}>`;

  const templateText = pickChatTemplate(tokConfig.chat_template) ?? files.chatTemplate ?? null;
  let applyChatTemplate: TextTokenizer['applyChatTemplate'] = null;
  if (templateText !== null) {
    let template: Template;
    try {
      template = new Template(templateText);
    } catch (err) {
      throw new ModelLoadError(
        `tokenizer_config.json: chat_template does not parse (${(err as Error).message})`,
        'tokenizer_config.json',
        { cause: err },
      );
    }
    const specials: Record<string, string> = {};
    for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
      const content = tokenContent(tokConfig[key]);
      if (content !== null) specials[key] = content;
    }
    // add_generation_prompt: the playground always continues the conversation as the assistant.
    applyChatTemplate = (messages) => template.render({ ...specials, messages, add_generation_prompt: true });
  }

  return {
    vocabSize: vocab.length,
    bosTokenId,
    eosTokenIds,
    specialTokens,
    encode,
    decode,
    tokenText,
    idToToken: (id) => vocab[id],
    applyChatTemplate,
  };
}
