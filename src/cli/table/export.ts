// `destconfig export [file|-]`: the committed table in the ESA file format, to stdout (no file, or `-`)
// or to a file written atomically.
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { writeFileAtomic } from '../../store/write.js';
import { ioReason } from '../../format/read.js';
import { formatTable } from '../../format/write.js';
import { homeOf, loadCommitted, out } from './io.js';

export async function runExport(file: string | undefined, cmd: Command, now: Date = new Date()): Promise<void> {
  const { table } = await loadCommitted(homeOf(cmd));
  const text = formatTable(table, now);
  if (file === undefined || file === '-') {
    out(text);
    return;
  }
  try {
    await writeFileAtomic(path.resolve(file), text);
  } catch (err) {
    throw new CliError(`export: cannot write ${file}: ${ioReason(err)}.`, EXIT.FAILURE);
  }
  const n = table.entries.size;
  out(`Exported ${n} destination entr${n === 1 ? 'y' : 'ies'} to ${file}.\n`);
}
