// The default command: the ESA-style interactive shell (issue 2). Owned by the shell work.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { resolveHome, useColor, type GlobalOptions } from '../context.js';
import { suggest } from '../../shell/suggest.js';

interface ShellCliOptions extends GlobalOptions {
  lenient?: boolean;
  ui: string;
}

/** The root --help: what running it with no command does, and every exit status (README "Exit statuses"). */
const SHELL_HELP = `
With no command, destconfig opens the ESA-style shell (ESA> ): destconfig, commit, clearchanges,
tlsverify, daneverify, help, quit. Changes are pending until commit; piped input runs the same dialogue.

Exit status: 0 success, 2 bad input or usage, 1 any other failure; the shell: 3 when it ends with
uncommitted changes (nothing written); deliver: 75 deferred, 69 bounced.`;

/**
 * Registers the shell as the program's own action. Call after every subcommand is registered: the root
 * then accepts stray operands (subcommands keep their own strict setting, copied when they were created)
 * so that the action can name a mistyped command instead of commander's "too many arguments".
 */
export function registerShell(program: Command): void {
  program
    .option('--hostname <name>', 'shell: host name shown in the prompt (NAME> )', 'ESA')
    .option('--lenient', 'shell: with piped input, re-ask after an invalid answer instead of stopping with status 2')
    .option('--ui <mode>', 'shell: dialogue style, "esa" or "form" (TTY only)', 'esa')
    .addHelpText('after', SHELL_HELP)
    .allowExcessArguments(true)
    .action(async () => {
      // The shell takes no operands: a stray word is a mistyped command (`destconfig lsit`).
      const [stray] = program.args;
      if (stray !== undefined) {
        const close = suggest(stray, [...program.commands.map((c) => c.name()), 'help']);
        throw new CliError(`unknown command '${stray}'${close ? `. Did you mean "${close}"?` : ''} (run with --help for usage)`, EXIT.USAGE);
      }
      const opts = program.opts<ShellCliOptions>();
      if (opts.ui !== 'esa' && opts.ui !== 'form') throw new CliError(`--ui must be "esa" or "form", not ${JSON.stringify(opts.ui)}`, EXIT.USAGE);
      // The forms draw on a terminal and read keys from it; inquirer cannot read a pipe (node-ecosystem.md §2).
      if (opts.ui === 'form' && !(process.stdin.isTTY && process.stdout.isTTY)) {
        const which = process.stdin.isTTY ? 'standard output is' : 'standard input is';
        throw new CliError(`--ui form needs a terminal, but ${which} not one (piped or redirected). Scripts use the ESA dialogue: leave out --ui form.`, EXIT.USAGE);
      }
      const hostname = (opts.hostname ?? 'ESA').trim();
      if (hostname === '' || /[\s\x00-\x1f\x7f]/.test(hostname)) {
        throw new CliError(`--hostname must be a name without spaces or control characters, not ${JSON.stringify(opts.hostname)}`, EXIT.USAGE);
      }
      const { runShell } = await import('../../shell/main.js');
      process.exitCode = await runShell({
        home: resolveHome(opts.home),
        hostname,
        lenient: Boolean(opts.lenient),
        colour: useColor(opts),
        ui: opts.ui === 'form' ? 'form' : 'esa',
      });
    });
}
