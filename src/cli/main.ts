/**
 * Process entry of the CLI (`npm run cli -- <command> ...`, i.e. `tsx src/cli/main.ts`). Everything else lives in
 * run.ts so tests can run the commands in-process.
 */
import { wasmLoader } from './models';
import { runCli } from './run';

const code = await runCli(
  process.argv.slice(2),
  {
    io: {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    },
    loader: wasmLoader,
  },
  process.env.SPECDEC_DEBUG === '1',
);
// Exit explicitly: onnxruntime may keep handles open after the work is done. Writes to pipes and files are
// synchronous on Linux and macOS, so nothing printed is lost.
process.exit(code);
