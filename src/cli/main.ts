// Command-line entry (commander). Kept light: each command module registers its options and loads its
// implementation only when run, so `destconfig --version` and `destconfig list` never load the delivery
// stack (start-up goal in issue 6).
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './exit.js';
import { registerShell } from './commands/shell.js';
import { registerTableCommands } from './commands/table.js';
import { registerDelivery } from './commands/delivery.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

// `destconfig list | head -1` must end quietly, not with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw err;
  });
}

export function buildProgram(): Command {
  const program = new Command('destconfig')
    .description('Cisco ESA-style destconfig shell, destination-controls table tools, and TLS-aware SMTP delivery')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .option('--home <dir>', 'table home folder (default: $DESTCONFIG_HOME or ~/.destconfig)')
    .option('--no-color', 'never colour output (NO_COLOR is honoured too)')
    .enablePositionalOptions(false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTableCommands(program);
  registerDelivery(program);
  registerShell(program); // last: see registerShell
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; usage errors (already printed by commander) with 2.
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`destconfig: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`destconfig: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.FAILURE;
  }
}

await main(process.argv);
