/**
 * `project`: a benchmark result's measured acceptance re-priced under another device's costs (core/projection.ts):
 * this device's own profile, a GPU-like one, or a `profile` file. Prints per-strategy and per-budget projected
 * speedups, optionally the static tree for vLLM/SGLang, and writes the projection document.
 */
import { int, intList, Opt, text, UsageError } from '../args';
import { optionsCommand } from '../command';
import { checkWritable, readTextFile, writeJsonFile } from '../io';
import { formatTable } from '../table';
import {
  DEFAULT_PROJECTION_BUDGETS,
  PROJECTION_FORMULA,
  projectionDocument,
  readBenchResult,
} from '../../core/projection-document';
import { gpuLikeProfile, measuredProfile, profileFromFile, type CostProfile } from '../../core/projection';

/** `--gpu T1,W,R`: target t(1) ms, flat width, draft ratio. */
const gpuOption = Opt.of(
  (raw, flag) => {
    const parts = raw.split(',').map(Number);
    if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) {
      throw new UsageError(`${flag} expects T1,W,R (target t(1) ms, flat width, draft ratio), got '${raw}'`);
    }
    return { targetMs: parts[0], flatWidth: parts[1], draftRatio: parts[2] };
  },
  'T1,W,R',
  'GPU-like profile: target t(1) in ms, verify cost flat up to W tokens, draft call = R x target call',
);

const OPTIONS = {
  results: text('FILE', 'a benchmark result (bench --out or bench:browser --out)').required(),
  profile: text('FILE', 'a profile written by `profile --out` (default: the benchmark\'s own, "this device")'),
  gpu: gpuOption,
  budgets: intList('LIST', 'node budgets to project for the best fixed tree and DySpec', 1).default([
    ...DEFAULT_PROJECTION_BUDGETS,
  ]),
  serverTree: int('N', 'also write the Sequoia-optimal tree of N nodes for vLLM and SGLang', 1),
  out: text('FILE', 'where to write the projection document'),
};

const SUMMARY =
  'Re-prices the acceptance a benchmark measured (tau, tree sizes, draft calls, per-rank acceptance, DySpec prefix ' +
  `curves) under another cost profile. A projection, not a measurement: ${PROJECTION_FORMULA}.`;

/** The `project` command. */
export const projectCommand = optionsCommand({
  name: 'project',
  summary: 'project a benchmark to other hardware (this device, GPU-like, a profile file); server tree export',
  help: SUMMARY,
  options: OPTIONS,
  async run(o, { io }) {
    if (o.profile && o.gpu) throw new UsageError('give --profile or --gpu, not both');
    if (o.out) await checkWritable(o.out, '--out');
    const parse = (raw: string, what: string): unknown => {
      try {
        return JSON.parse(raw);
      } catch (e) {
        throw new UsageError(`${what} is not JSON: ${(e as Error).message}`);
      }
    };
    const result = readBenchResult(parse(await readTextFile(o.results, '--results'), o.results), o.results);
    const profile: CostProfile = o.gpu
      ? gpuLikeProfile(o.gpu)
      : o.profile
        ? profileFromFile(parse(await readTextFile(o.profile, '--profile'), o.profile), o.profile)
        : measuredProfile(result.profile);
    const doc = projectionDocument(result, profile, { budgets: o.budgets, serverBudget: o.serverTree ?? null });
    io.out(`PROJECTION under ${profile.label} (not measured there)\n${PROJECTION_FORMULA}\n\n`);
    io.out(
      formatTable(
        ['strategy', 'tau', 'verify ms', 'draft ms', 'host ms', 'projected', 'measured here'],
        doc.rows.map((r) => [
          r.strategy,
          r.tau.toFixed(2),
          r.cost.verify.toFixed(3),
          r.cost.draft.toFixed(3),
          r.cost.host.toFixed(3),
          `${r.speedup.toFixed(2)}x`,
          `${r.measured_speedup.toFixed(2)}x`,
        ]),
      ),
    );
    const kinds = Object.keys(doc.budgets[0]?.dynamic ?? {});
    io.out('\n');
    io.out(
      formatTable(
        ['budget', 'fixed tau', 'fixed', ...kinds.flatMap((k) => [`${k} tau`, k])],
        doc.budgets.map((b) => [
          String(b.budget),
          b.fixed.tau.toFixed(2),
          `${b.fixed.speedup.toFixed(2)}x`,
          ...kinds.flatMap((k) => {
            const p = b.dynamic[k];
            return p ? [p.tau.toFixed(2), `${p.speedup.toFixed(2)}x`] : ['-', '-'];
          }),
        ]),
      ),
    );
    if (doc.server_tree) {
      const t = doc.server_tree;
      io.out(`\nvLLM speculative_config: ${JSON.stringify(t.vllm.speculative_config)}\n`);
      io.out(
        `SGLang: --speculative-num-steps ${t.sglang.speculative_num_steps} --speculative-eagle-topk ` +
          `${t.sglang.speculative_eagle_topk} --speculative-num-draft-tokens ${t.sglang.speculative_num_draft_tokens}\n`,
      );
    }
    if (o.out) await writeJsonFile(o.out, doc);
    return 0;
  },
});
