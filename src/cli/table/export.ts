// `destconfig export [file|-]`: the committed table in the ESA file format, to stdout (no file, or `-`)
// or to a file written atomically.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { writeFileAtomic } from '../../store/write.js';
import { writeReason } from '../../format/read.js';
import { formatTable } from '../../format/write.js';
import { homeOf, loadCommitted, out } from './io.js';

export async function runExport(file: string | undefined, cmd: Command, now: Date = new Date()): Promise<void> {
  const { table } = await loadCommitted(homeOf(cmd));
  const text = formatTable(table, now);
  if (file === undefined || file === '-') {
    out(text);
    return;
  }
  const target = path.resolve(file);
  try {
    if (await isSpecialFile(target)) await writeFile(target, text);
    // A file the operator already has keeps its mode, and a symbolic link is written through.
    else await writeFileAtomic(target, text, { keepMode: true, followLink: true });
  } catch (err) {
    throw new CliError(`export: cannot write ${file}: ${writeReason(err, file)}.`, EXIT.FAILURE);
  }
  const n = table.entries.size;
  out(`Exported ${n} destination entr${n === 1 ? 'y' : 'ies'} to ${file}.\n`);
}

/**
 * A device, named pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO) is written through: renaming a new
 * file over it, as the atomic write does, would replace the device node itself (as root, /dev/null).
 */
async function isSpecialFile(target: string): Promise<boolean> {
  try {
    const st = await stat(target);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false; // missing (or unreadable): the atomic write creates it or names the failure
  }
}
