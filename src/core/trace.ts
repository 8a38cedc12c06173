/**
 * The trace format (DESIGN.md §7): one JSON document holding a run (models, settings, prompt, every step's tree and
 * verdicts, output, metrics) or a comparison of several runs. A trace replays in the UI without the models.
 *
 * A document may carry `tokenTexts`, the decoded text of the tokens it uses (`{ "17": " the" }`), so it replays with
 * readable tokens without the tokenizer. The field is optional (documents without it, e.g. older exports or CLI
 * traces, parse as before), so it needs no new schema version.
 *
 * Import validates twice: a versioned zod schema for the types, then structural checks the types cannot express
 * (parents before children, the accepted path is a path of the tree, one entry per node in every per-node array,
 * emitted tokens and metrics that agree with the steps). Every failure is a TraceParseError whose message starts with
 * the path of the field at fault, e.g. `steps[3].tree.parents[2]: expected number, received string`.
 */
import { z } from 'zod';
import type { Metrics } from './metrics';
import type { StepRecord } from './step';
import { DRAFT_SOURCES } from './strategy';

/**
 * The schema version this build writes. Version 2 added `tree.sources` (which draft source drew each node); version
 * 1 documents, all drafted by the model, are read as version 2 with every draft node's source 'model'.
 */
export const TRACE_SCHEMA_VERSION = 2;

/** An import that is not a trace this build can read. */
export class TraceParseError extends Error {
  constructor(
    /** Path of the field at fault, e.g. `steps[3].tree.parents[2]` (empty for the document itself). */
    readonly path: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'TraceParseError';
  }
}

const count = z.number().int().min(0);
const tokenId = count;
const probability = z.number().min(0).max(1);
const millis = z.number().min(0);
const modelRef = z.object({ id: z.string(), hash: z.string() });

/** A token id written as a JSON object key: a whole number in decimal, without sign or leading zeros. */
const TOKEN_ID_KEY = /^(0|[1-9]\d*)$/;
/** `{ "id": "text" }`: the decoded text of tokens the document uses (any subset of them, possibly none). */
const tokenTextsSchema = z.record(z.string().regex(TOKEN_ID_KEY), z.string(), {
  error: (issue) =>
    issue.code === 'invalid_key'
      ? 'keys must be token ids (whole numbers without leading zeros)'
      : issue.code === 'invalid_type'
        ? `expected an object of token id -> text, received ${describe(issue.input)}`
        : undefined,
});

const settingsSchema = z.object({
  /** Strategy text as strategy.ts formats it, e.g. `dyspec:32`. */
  strategy: z.string().min(1),
  temperature: z.number().min(0),
  topP: z.number().gt(0).max(1),
  topK: count,
  seed: z.number(),
  maxNewTokens: count,
  /** e.g. `webgpu`, `wasm`, `node`. */
  backend: z.string(),
});

const treeSchema = z.object({
  sources: z.array(z.enum(DRAFT_SOURCES).nullable()),
  tokens: z.array(tokenId).min(1),
  parents: z.array(z.number().int().min(-1)),
  ranks: z.array(count),
  draftProbs: z.array(probability),
  estimates: z.array(probability),
  targetProbs: z.array(probability.nullable()),
});

const timingsSchema = z.object({
  draft: millis,
  verify: millis,
  tree: millis,
  commit: millis,
  sampling: millis,
  total: millis,
});

const stepSchema = z.object({
  index: count,
  tree: treeSchema,
  decisions: z.array(z.enum(['accepted', 'rejected', 'unvisited'])),
  acceptedPath: z.array(count).min(1),
  bonusToken: tokenId,
  emitted: z.array(tokenId),
  draftCalls: count,
  timings: timingsSchema,
});

const metricsSchema = z.object({
  draft_n: count,
  draft_n_accepted: count,
  verify_steps: count,
  draft_calls: count,
  acceptance_rate: probability,
  mean_acceptance_length: z.number().min(0),
  acceptance_rate_per_depth: z.array(probability),
  accepted_length_histogram: z.array(count),
  tokens_emitted: count,
  wall_ms: millis,
  tokens_per_second: z.number().min(0),
  time_ms: timingsSchema,
});

const runFields = {
  createdAt: z.string(),
  /** A name for the run in comparisons, e.g. `dyspec:32 on webgpu`. */
  label: z.string().optional(),
  /** The draft is null for the autoregressive baseline. */
  models: z.object({ draft: modelRef.nullable(), target: modelRef }),
  settings: settingsSchema,
  prompt: z.object({ text: z.string(), tokenIds: z.array(tokenId) }),
  steps: z.array(stepSchema),
  output: z.object({ tokenIds: z.array(tokenId), text: z.string() }),
  metrics: metricsSchema,
  /** Optional decoded token texts (see the file comment). */
  tokenTexts: tokenTextsSchema.optional(),
};

const runSchema = z.object({ schemaVersion: z.literal(TRACE_SCHEMA_VERSION), kind: z.literal('run'), ...runFields });
/** A measured t(n) table (latency.ts), as the engine profiled a model. */
const latencyProfileSchema = z
  .object({
    sizes: z.array(z.number().int().min(1)).min(1),
    ms: z.array(millis),
    rawMs: z.array(millis),
    past: count,
    repeats: count,
  })
  .refine((p) => p.ms.length === p.sizes.length && p.rawMs.length === p.sizes.length, {
    message: 'ms and rawMs need one entry per size',
  });

const comparisonSchema = z.object({
  schemaVersion: z.literal(TRACE_SCHEMA_VERSION),
  kind: z.literal('comparison'),
  createdAt: z.string(),
  title: z.string().optional(),
  /** The runs compared (same prompt, different strategies); each is a complete run document. */
  runs: z.array(runSchema).min(1),
  /** Optional decoded token texts for all the runs (each run may carry its own too). */
  tokenTexts: tokenTextsSchema.optional(),
  /** The latency profiles the engine measured for the comparison, so a replay can still explain its speed. */
  profile: z.object({ target: latencyProfileSchema.nullable(), draft: latencyProfileSchema.nullable() }).optional(),
});
const traceSchema = z.discriminatedUnion('kind', [runSchema, comparisonSchema]);

/** One run: what `generate` did, with the context needed to replay and compare it. */
export type RunTrace = z.infer<typeof runSchema>;
/** Several runs side by side (e.g. fixed trees vs DySpec on one prompt). */
export type ComparisonTrace = z.infer<typeof comparisonSchema>;
/** Any trace document. */
export type Trace = RunTrace | ComparisonTrace;
/** A document's `tokenTexts`: token id (decimal, as a JSON key) -> the token's decoded text. */
export type TokenTexts = Record<string, string>;

// The schema must describe exactly the engine's records: these fail to compile when either side drifts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const stepsMatch: Same<z.infer<typeof stepSchema>, StepRecord> = true;
const metricsMatch: Same<z.infer<typeof metricsSchema>, Metrics> = true;
void [stepsMatch, metricsMatch];

/**
 * Reads a trace from JSON text or an already parsed value.
 * @throws TraceParseError naming the field at fault
 */
export function parseTrace(json: unknown): Trace {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new TraceParseError('', `not JSON: ${(error as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceParseError('', `a trace is a JSON object, got ${describe(value)}`);
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) throw new TraceParseError('schemaVersion', 'missing: this is not a trace document');
  if (version !== TRACE_SCHEMA_VERSION && version !== 1) {
    throw new TraceParseError(
      '',
      `unsupported trace schemaVersion ${JSON.stringify(version)} (this build reads 1 and ${TRACE_SCHEMA_VERSION})`,
    );
  }
  const parsed = traceSchema.safeParse(version === 1 ? fromVersion1(value) : value);
  if (!parsed.success) {
    const [issue, ...rest] = parsed.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new TraceParseError(formatPath(issue.path), issue.message.replace(/^Invalid (input|option): /, '') + more);
  }
  const trace = parsed.data;
  if (trace.kind === 'run') checkRun(trace, '');
  else trace.runs.forEach((run, i) => checkRun(run, `runs[${i}].`));
  return trace;
}

/**
 * The JSON text of a trace. It is validated first, so a trace that would not import fails here, at export time.
 * @param space indentation, as JSON.stringify takes it (none by default)
 * @throws TraceParseError naming the field at fault
 */
export function serializeTrace(trace: Trace, space?: number): string {
  return JSON.stringify(parseTrace(trace), null, space);
}

/** Every token id a run refers to: the prompt, every tree node, the bonus tokens and the output. */
export function runTokenIds(run: RunTrace): Set<number> {
  const ids = new Set<number>([...run.prompt.tokenIds, ...run.output.tokenIds]);
  for (const step of run.steps) {
    for (const t of step.tree.tokens) ids.add(t);
    ids.add(step.bonusToken);
  }
  return ids;
}

/**
 * The document with a top-level `tokenTexts` holding the text of every token it uses that `textOf` knows (a
 * comparison gets one map for all its runs). Without any known text the field is left out.
 * @param textOf a token's text, or undefined when unknown
 */
export function withTokenTexts<T extends Trace>(trace: T, textOf: (id: number) => string | undefined): T {
  const doc: Trace = trace;
  const runs = doc.kind === 'run' ? [doc] : doc.runs;
  const ids = new Set<number>();
  for (const run of runs) for (const id of runTokenIds(run)) ids.add(id);
  const texts: TokenTexts = {};
  for (const id of [...ids].sort((a, b) => a - b)) {
    const text = textOf(id);
    if (text !== undefined) texts[String(id)] = text;
  }
  const { tokenTexts: _old, ...rest } = trace;
  return (Object.keys(texts).length > 0 ? { ...rest, tokenTexts: texts } : rest) as T;
}

/**
 * The token texts a document carries, by id: its own `tokenTexts` and, in a comparison, those of its runs (the
 * document's own win where they disagree). Empty when it carries none.
 */
export function tokenTextsOf(trace: Trace): Record<number, string> {
  const out: Record<number, string> = {};
  const add = (texts: TokenTexts | undefined) => {
    for (const [key, text] of Object.entries(texts ?? {})) out[Number(key)] = text;
  };
  if (trace.kind === 'comparison') for (const run of trace.runs) add(run.tokenTexts);
  add(trace.tokenTexts);
  return out;
}

/**
 * A version 1 document as version 2: every tree gets `sources` (null for the root, 'model' for every draft node, the
 * only source version 1 had). Anything malformed is left as it is for the schema to name.
 */
function fromVersion1(doc: object): object {
  const upgradeRun = (run: unknown): unknown => {
    if (typeof run !== 'object' || run === null) return run;
    const old = (run as { steps?: unknown }).steps;
    if (!Array.isArray(old)) return { ...run, schemaVersion: TRACE_SCHEMA_VERSION };
    const steps = old.map((step: unknown) => {
      const tree = (step as { tree?: { tokens?: unknown } } | null)?.tree;
      if (!tree || !Array.isArray(tree.tokens)) return step;
      const sources = tree.tokens.map((_, i) => (i === 0 ? null : 'model'));
      return { ...(step as object), tree: { ...tree, sources } };
    });
    return { ...run, schemaVersion: TRACE_SCHEMA_VERSION, steps };
  };
  const upgraded = upgradeRun(doc) as { runs?: unknown };
  if (Array.isArray(upgraded.runs)) return { ...upgraded, runs: upgraded.runs.map(upgradeRun) };
  return upgraded;
}

/** `steps[3].tree.parents[2]` from zod's `['steps', 3, 'tree', 'parents', 2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The checks beyond types. `at` prefixes paths inside a comparison. */
function checkRun(run: RunTrace, at: string): void {
  const fail = (path: string, problem: string): never => {
    throw new TraceParseError(at + path, problem);
  };
  const produced: number[] = [];
  let draftN = 0;
  let accepted = 0;
  run.steps.forEach((step, s) => {
    const here = `steps[${s}]`;
    if (step.index !== s) fail(`${here}.index`, `expected ${s} (steps are stored in order), got ${step.index}`);
    checkTree(step, here, fail);
    draftN += step.tree.tokens.length - 1;
    accepted += step.acceptedPath.length - 1;
    produced.push(...step.emitted);
  });
  if (produced.length !== run.output.tokenIds.length || produced.some((t, i) => run.output.tokenIds[i] !== t)) {
    const i = produced.findIndex((t, j) => run.output.tokenIds[j] !== t);
    fail(
      i >= 0 ? `output.tokenIds[${i}]` : 'output.tokenIds',
      `does not match the tokens the steps emitted (${produced.length} tokens)`,
    );
  }
  const m = run.metrics;
  if (m.verify_steps !== run.steps.length) {
    fail('metrics.verify_steps', `${m.verify_steps}, but the trace has ${run.steps.length} steps`);
  }
  if (m.draft_n !== draftN) fail('metrics.draft_n', `${m.draft_n}, but the steps drafted ${draftN} tokens`);
  if (m.draft_n_accepted !== accepted) {
    fail('metrics.draft_n_accepted', `${m.draft_n_accepted}, but the steps accepted ${accepted} tokens`);
  }
}

/** One step's tree, decisions, accepted path and emitted tokens agree with each other. */
function checkTree(step: StepRecord, here: string, fail: (path: string, problem: string) => never): void {
  const { tree, decisions, acceptedPath } = step;
  const n = tree.tokens.length;
  const perNode = {
    sources: tree.sources,
    parents: tree.parents,
    ranks: tree.ranks,
    draftProbs: tree.draftProbs,
    estimates: tree.estimates,
  };
  for (const [field, values] of Object.entries({ ...perNode, targetProbs: tree.targetProbs })) {
    if (values.length !== n) {
      fail(`${here}.tree.${field}`, `has ${values.length} entries, expected ${n} (one per node)`);
    }
  }
  if (decisions.length !== n) {
    fail(`${here}.decisions`, `has ${decisions.length} entries, expected ${n} (one per node)`);
  }
  if (tree.parents[0] !== -1) fail(`${here}.tree.parents[0]`, `the root's parent must be -1, got ${tree.parents[0]}`);
  const childCount = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) {
    const p = tree.parents[i];
    if (p < 0 || p >= i) fail(`${here}.tree.parents[${i}]`, `parent ${p} must be an earlier node (0..${i - 1})`);
    const rank = childCount[p]++;
    if (tree.ranks[i] !== rank) {
      fail(
        `${here}.tree.ranks[${i}]`,
        `expected ${rank} (siblings are stored in sampling order), got ${tree.ranks[i]}`,
      );
    }
  }
  tree.sources.forEach((source, i) => {
    if ((source === null) !== (i === 0)) {
      fail(
        `${here}.tree.sources[${i}]`,
        i === 0 ? 'the root has no draft source (null)' : 'a draft node needs its source',
      );
    }
  });
  if (tree.ranks[0] !== 0) fail(`${here}.tree.ranks[0]`, `the root's rank must be 0, got ${tree.ranks[0]}`);
  if (acceptedPath[0] !== 0) {
    fail(`${here}.acceptedPath[0]`, `the accepted path starts at the root (0), got ${acceptedPath[0]}`);
  }
  for (let j = 1; j < acceptedPath.length; j++) {
    const node = acceptedPath[j];
    if (node >= n) fail(`${here}.acceptedPath[${j}]`, `node ${node} is not in the tree (${n} nodes)`);
    if (tree.parents[node] !== acceptedPath[j - 1]) {
      fail(`${here}.acceptedPath[${j}]`, `node ${node} is not a child of node ${acceptedPath[j - 1]}`);
    }
  }
  const onPath = new Set(acceptedPath);
  decisions.forEach((d, i) => {
    if (onPath.has(i) !== (d === 'accepted')) {
      fail(`${here}.decisions[${i}]`, `'${d}' but node ${i} is ${onPath.has(i) ? '' : 'not '}on the accepted path`);
    }
  });
  // Emitted = the accepted draft tokens, then the bonus, possibly cut short at EOS or the token limit.
  const expected = [...acceptedPath.slice(1).map((node) => tree.tokens[node]), step.bonusToken];
  if (step.emitted.length > expected.length) {
    fail(
      `${here}.emitted`,
      `has ${step.emitted.length} tokens, more than the accepted path and bonus (${expected.length})`,
    );
  }
  step.emitted.forEach((t, j) => {
    if (t !== expected[j]) {
      fail(`${here}.emitted[${j}]`, `expected token ${expected[j]} (accepted path then bonus), got ${t}`);
    }
  });
}
