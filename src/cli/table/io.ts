// I/O shared by the table commands: the table home from the global options, loading the committed table,
// and writing a command's output.
import type { Command } from 'commander';
import { resolveHome, type GlobalOptions } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { loadTable, type LoadedTable } from '../../store/index.js';

export function homeOf(cmd: Command): string {
  return resolveHome((cmd.optsWithGlobals() as GlobalOptions).home);
}

/** The committed table (factory defaults when none was committed); a store that cannot be read is exit 1. */
export async function loadCommitted(home: string): Promise<LoadedTable> {
  try {
    return await loadTable(home);
  } catch (err) {
    throw new CliError(`cannot read the table in ${home}: ${err instanceof Error ? err.message : String(err)}`, EXIT.FAILURE);
  }
}

/** Writes to stdout. A closed pipe (`| head -1`) ends the process quietly (src/cli/main.ts). */
export function out(text: string): void {
  process.stdout.write(text);
}
