// Command-line entry. The two commands a script runs most often are answered here, before commander and
// the command definitions are loaded (start-up goal in issue 6: at most 1.25× bare node):
// - `destconfig --version` (or `-V`) alone;
// - `destconfig list` with only `--json`, `--home DIR` / `--home=DIR` and `--no-color`, which loads only
//   the store, the renderer and the list command itself.
// Any other command line, including these with anything more (`--help`, an unknown option, a repeated
// option), goes to the commander program (src/cli/program.ts), which gives the same output for these.
// No static import here: a module shared with the program would become a bundle chunk loaded before this
// file runs, costing `--version` its advantage.
declare const __VERSION__: string | undefined;
/** Set by the bundle build from package.json (scripts/build.mjs). */
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

// `destconfig list | head -1` must end quietly, not with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export interface PlainList {
  home?: string;
  json: boolean;
}

/** The options of a plain `list` command line, or null when it is anything else (commander handles it). */
export function plainList(args: readonly string[]): PlainList | null {
  let seenList = false;
  let home: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'list' && !seenList) seenList = true;
    else if (a === '--json' && seenList && !json) json = true;
    else if (a === '--no-color') continue;
    else if (home === undefined && a === '--home' && i + 1 < args.length && !(args[i + 1] as string).startsWith('-') && args[i + 1] !== '') home = args[++i];
    else if (home === undefined && a.startsWith('--home=') && a.length > '--home='.length) home = a.slice('--home='.length);
    else return null;
  }
  return seenList ? { home, json } : null;
}

async function run(args: readonly string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
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
