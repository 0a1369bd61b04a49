// The default command: the ESA-style interactive shell (issue 2). Owned by the shell work.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';

export function registerShell(program: Command): void {
  program
    .option('--hostname <name>', 'host name shown in the prompt (NAME> )', 'ESA')
    .option('--lenient', 'piped input: re-ask after an invalid answer instead of stopping with status 2')
    .option('--ui <mode>', 'dialogue style: "esa" (default) or "form" (TTY only)', 'esa')
    .action(async () => {
      throw new CliError('the interactive shell is not built yet', EXIT.FAILURE);
    });
}
