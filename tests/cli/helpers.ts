/** In-process CLI runs for the tests: captured output, and loaders that hand the commands in-memory models. */
import type { CommandContext } from '../../src/cli/command';
import type { CliPair, ModelLoader } from '../../src/cli/models';
import { runCli } from '../../src/cli/run';

/** What a run printed and returned. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** A loader that fails the test if a command loads models when it should not have got that far. */
export const noModels: ModelLoader = {
  pair: () => Promise.reject(new Error('this command should not load models')),
  single: () => Promise.reject(new Error('this command should not load models')),
};

/** A loader that always returns `pair`. */
export function fixedLoader(pair: CliPair): ModelLoader {
  return { pair: async () => pair, single: async () => pair.target };
}

/** Runs the CLI in this process. */
export async function cli(argv: readonly string[], loader: ModelLoader = noModels): Promise<CliRun> {
  let out = '';
  let err = '';
  const ctx: CommandContext = { io: { out: (t) => void (out += t), err: (t) => void (err += `${t}\n`) }, loader };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}
