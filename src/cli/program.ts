// The command line (commander), loaded by src/cli/main.ts for everything but `--version`. Kept light: each
// command module registers its options and loads its implementation only when run, so `destconfig list`
// never loads the delivery stack (start-up goal in issue 6).
import { Command, CommanderError } from 'commander';
import { EXIT, reportFailure } from './exit.js';
import { registerShell } from './commands/shell.js';
import { registerTableCommands } from './commands/table.js';
import { registerDelivery } from './commands/delivery.js';


export function buildProgram(version: string): Command {
  const program = new Command('destconfig')
    .description('Cisco ESA-style destconfig shell, destination-controls table tools, and TLS-aware SMTP delivery')
    .version(version, '-V, --version', 'print the version and exit')
    .option('--home <dir>', 'table home folder (default: $DESTCONFIG_HOME or ~/.destconfig)')
    .option('--no-color', 'never colour output (NO_COLOR is honoured too)')
    .enablePositionalOptions(false)
    .showHelpAfterError('(run with --help for usage)')
    // Commander adds `help [command]` only to a program without an action of its own; the root's action is
    // the shell, so it is asked for (`destconfig help list` was an unknown command).
    .helpCommand('help [command]', 'print the help of a command (the same as COMMAND --help)')
    .exitOverride();
  registerTableCommands(program);
  registerDelivery(program);
  registerShell(program); // last: see registerShell
  return program;
}

export async function main(argv: string[], version: string): Promise<void> {
  const program = buildProgram(version);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; usage errors (already printed by commander) with 2.
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    reportFailure(err);
  }
}
