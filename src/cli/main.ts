// Command-line entry. The two commands a script runs most often are answered here, before commander and
// the command definitions are loaded (start-up goal in issue 6: at most 1.25× bare node):
// - `destconfig --version` (or `-V`) alone;
// - `destconfig list` with only `--json`, `--home DIR` / `--home=DIR` and `--no-color`, which loads only
//   the store, the renderer and the list command itself.
// Any other command line, including these with anything more (`--help`, an unknown option, a repeated
// option), goes to the commander program (src/cli/program.ts), which gives the same output for these.
// No static import here but a built-in and plain-list.ts: a module shared with the program would become a
// bundle chunk loaded before this file runs, costing `--version` its advantage.
import { writeSync } from 'node:fs';
import { plainList } from './plain-list.js';

declare const __VERSION__: string | undefined;
/** Set by the bundle build from package.json (scripts/build.mjs). */
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/** `destconfig list | head -1` must end quietly, not with an unhandled EPIPE. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

async function run(args: readonly string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    // One small write straight to the descriptor: creating process.stdout would load the stream modules.
    try {
      writeSync(1, `${VERSION}\n`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    }
    return;
  }
  quietOnClosedPipe();
  const list = plainList(args);
  if (list) {
    const [{ listTable }, { resolveHome }, { reportFailure }] = await Promise.all([
      import('./table/list.js'),
      import('./context.js'),
      import('./exit.js'),
    ]);
    try {
      await listTable(resolveHome(list.home), { json: list.json });
    } catch (err) {
      reportFailure(err);
    }
    return;
  }
  const { main } = await import('./program.js');
  await main(process.argv, VERSION);
}

await run(process.argv.slice(2));
