// Scriptable table commands: list, detail, import, export, lookup (issue 3). Each loads its implementation
// with import() only when it runs. Exit status: 0 ok, 2 bad input or usage, 1 any other failure.
import type { Command } from 'commander';

const EXIT_HELP = `
Exit status: 0 success, 2 bad input or usage, 1 any other failure.
Table file format: docs/file-format.md; JSON shapes: docs/cli.md.`;

/** A table command whose --help also lists the global options (--home, --version) and the exit status. */
function tableCommand(program: Command, name: string): Command {
  return program.command(name).configureHelp({ showGlobalOptions: true }).addHelpText('after', EXIT_HELP);
}

export function registerTableCommands(program: Command): void {
  tableCommand(program, 'list')
    .description('print the destination controls table, as the shell\'s LIST shows it')
    .option('--json', 'print JSON (shape documented in docs/cli.md)')
    .action(async (opts: { json?: boolean }, cmd: Command) => (await import('../table/list.js')).runList(opts, cmd));

  tableCommand(program, 'detail')
    .description('print every field of one entry, of the Default row or of all rows, with inherited values marked')
    .argument('<destination>', 'a destination (example.com, .example.com, 192.0.2.1), "default" or "all"')
    .option('--json', 'print JSON (shape documented in docs/cli.md)')
    .action(async (which: string, opts: { json?: boolean }, cmd: Command) => (await import('../table/detail.js')).runDetail(which, opts, cmd));

  tableCommand(program, 'import')
    .description('replace the whole table with an ESA table file and commit it (all-or-nothing)')
    .argument('<file>', 'the table file; "-" reads standard input')
    .option('--dry-run', 'validate and print what would change (added, changed field by field, removed); commit nothing')
    .action(async (file: string, opts: { dryRun?: boolean }, cmd: Command) => (await import('../table/import.js')).runImport(file, opts, cmd));

  tableCommand(program, 'export')
    .description('write the committed table as an ESA table file')
    .argument('[file]', 'where to write it (atomically); "-" or nothing writes to standard output')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => (await import('../table/export.js')).runExport(file, cmd));

  tableCommand(program, 'lookup')
    .description('show which row governs a recipient or domain and the effective value of every field, with its source')
    .argument('<recipient-or-domain>', 'user@example.com, example.com, or an IP literal such as user@[192.0.2.1]')
    .option('--json', 'print JSON (shape documented in docs/cli.md)')
    .action(async (query: string, opts: { json?: boolean }, cmd: Command) => (await import('../table/lookup.js')).runLookup(query, opts, cmd));
}
