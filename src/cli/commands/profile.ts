/** `profile`: measured forward latency t(n) of the draft and the target (or one model) on this machine. */
import { int, intList, text, UsageError } from '../args';
import { optionsCommand } from '../command';
import { checkWritable, writeJsonFile } from '../io';
import { measureLatency } from '../latency';
import { formatMachine, machineInfo } from '../machine';
import type { CliModel } from '../models';
import { modelOptions } from '../options';
import { formatTable } from '../table';

const OPTIONS = {
  model: text('SRC', 'profile only this model (default: the --draft and --target pair)'),
  ...modelOptions,
  sizes: intList('LIST', 'token counts n to time', 1).default([1, 2, 4, 8, 16, 32, 64]),
  past: int('L', 'cached tokens before each timed call', 1).default(128),
  repeats: int('R', 'timed calls per size (the median is reported)', 1).default(9),
  out: text('FILE', 'where to write the profile JSON').required(),
};

const SUMMARY =
  'Times one forward call on n new tokens after L cached tokens, for each n in --sizes (median of --repeats), ' +
  'for the draft and the target, and writes { machine, past, sizes, models: [{ role, id, hash, ms }] }.';

/** The `profile` command. */
export const profileCommand = optionsCommand({
  name: 'profile',
  summary: 'measure forward latency t(n) of the draft and target on this machine',
  help: SUMMARY,
  options: OPTIONS,
  async run(o, { io, loader }) {
    // Before loading anything: the measurements must not be lost at the end to a bad --out path.
    await checkWritable(o.out, '--out');
    const models: { role: string; m: CliModel; vocab: number }[] = [];
    if (o.model) {
      const m = await loader.single(o.model, 'target', o.threads);
      models.push({ role: 'model', m, vocab: m.model.vocabSize });
    } else {
      const pair = await loader.pair(o.draft, o.target, o.threads);
      const vocab = pair.tokenizer.vocabSize;
      models.push({ role: 'draft', m: pair.draft, vocab }, { role: 'target', m: pair.target, vocab });
    }
    const rows: {
      role: string;
      id: string;
      hash: string;
      backend: string;
      threads: number;
      ms: number[];
      ms_nondecreasing: number[];
    }[] = [];
    for (const { role, m, vocab } of models) {
      io.err(`profiling ${role} ${m.id} ...`);
      const largest = Math.max(...o.sizes);
      if (o.past + largest > m.model.maxPositions) {
        throw new UsageError(
          `--past ${o.past} + the largest size ${largest} exceeds ${m.id}'s ${m.model.maxPositions} positions`,
        );
      }
      const profile = await measureLatency(m.model, { sizes: o.sizes, past: o.past, repeats: o.repeats, vocab });
      rows.push({
        role,
        id: m.id,
        hash: m.hash,
        backend: m.backend.backend,
        threads: m.backend.threads,
        ms: profile.rawMs,
        ms_nondecreasing: profile.ms,
      });
    }
    const machine = machineInfo(models[0].m.backend);
    io.out(`${formatMachine(machine)}\npast ${o.past}, median of ${o.repeats}\n`);
    io.out(
      formatTable(
        ['n', ...rows.map((r) => `${r.role} ms`), ...rows.map((r) => `${r.role} t(n)/t(1)`)],
        o.sizes.map((n, i) => [
          String(n),
          ...rows.map((r) => r.ms[i].toFixed(3)),
          ...rows.map((r) => (r.ms[i] / r.ms[0]).toFixed(2)),
        ]),
      ),
    );
    await writeJsonFile(o.out, { machine, past: o.past, repeats: o.repeats, sizes: o.sizes, models: rows });
    return 0;
  },
});
