// Command-line entry. The two commands a script runs most often are answered here, before commander and
// the command definitions are loaded (start-up goal in issue 6: at most 1.25× bare node):
// - `destconfig --version` (or `-V`) alone;
// - `destconfig list` with only `--json`, `--home DIR` / `--home=DIR` and `--no-color`, which loads only
//   the store, the renderer and the list command itself.
// Any other command line, including these with anything more (`--help`, an unknown option, a repeated
// option), goes to the commander program (src/cli/program.ts), which gives the same output for these.
// The build (scripts/build.mjs) makes this file and everything it imports, except program.js, one bundle
// file with no chunks, so the list path reads one module file.
// node:fs is taken with process.getBuiltinModule, not imported: the ESM facade of node:fs reads every export,
// and its ReadStream getter loads the stream modules (about 3 ms). For the same reason the fast paths write
// with writeSync to the descriptor instead of creating process.stdout (on a pipe that loads node:net).
import { plainList } from './plain-list.js';

const fs = process.getBuiltinModule('node:fs');

declare const __VERSION__: string | undefined;
/** Set by the bundle build from package.json (scripts/build.mjs). */
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/**
 * Output that cannot be written (`> /dev/full`, a full disk, an I/O error): one line naming the failure and
 * status 1, not a stack trace. There is nothing more to say on a standard output that fails.
 */
function outputFailed(err: NodeJS.ErrnoException): never {
  try {
    fs.writeSync(2, `destconfig: cannot write the output: ${err.message}\n`);
  } catch {
    // Standard error fails too: the status is all that is left.
  }
  process.exit(1);
}

/**
 * `destconfig list | head -1` must end quietly, not with an unhandled EPIPE; any other failure to write
 * the output ends as outputFailed says.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream === process.stdout) outputFailed(err);
      throw err;
    });
  }
}

/**
 * Writes all of `text` to fd 1 synchronously. A closed pipe (`| head -1`) ends the output quietly, any other
 * write error ends the command (outputFailed); a non-blocking descriptor that is full (EAGAIN, when the parent made the pipe non-blocking) hands the rest
 * to process.stdout, which waits for it to drain.
 */
function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += fs.writeSync(1, bytes, done);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') outputFailed(err as NodeJS.ErrnoException);
      quietOnClosedPipe();
      process.stdout.write(bytes.subarray(done));
      return;
    }
  }
}

async function run(args: readonly string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    // One small write straight to the descriptor: creating process.stdout would load the stream modules.
    writeStdout(`${VERSION}\n`);
    return;
  }
  const list = plainList(args);
  if (list) {
    const [{ listTable }, { resolveHome }, { reportFailure }] = await Promise.all([
      import('./table/list.js'),
      import('./context.js'),
      import('./exit.js'),
    ]);
    try {
      await listTable(resolveHome(list.home), { json: list.json }, writeStdout);
    } catch (err) {
      reportFailure(err);
    }
    return;
  }
  quietOnClosedPipe();
  const { main } = await import('./program.js');
  await main(process.argv, VERSION);
}

await run(process.argv.slice(2));
