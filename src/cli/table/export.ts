// `destconfig export [file|-]`: the committed table in the ESA file format, to stdout (no file, or `-`)
// or to a file written atomically.
import { fstatSync, type Stats } from 'node:fs';
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
  let toStdout = false;
  try {
    const special = await specialFile(target);
    // `export /dev/stdout` (or /dev/fd/1): the confirmation would be appended to the table it just wrote,
    // which would then not import; it goes to standard error instead.
    toStdout = special !== null && isStdout(special);
    if (special) await writeFile(target, text);
    // A file the operator already has keeps its mode, and a symbolic link is written through.
    else await writeFileAtomic(target, text, { keepMode: true, followLink: true });
  } catch (err) {
    throw new CliError(`export: cannot write ${file}: ${writeReason(err, file)}.`, EXIT.FAILURE);
  }
  const n = table.entries.size;
  const said = `Exported ${n} destination entr${n === 1 ? 'y' : 'ies'} to ${file}.\n`;
  if (toStdout) process.stderr.write(said);
  else out(said);
}

/** True when `st` is the file standard output is open on. */
function isStdout(st: Stats): boolean {
  try {
    const fd1 = fstatSync(1);
    return fd1.dev === st.dev && fd1.ino === st.ino;
  } catch {
    return false;
  }
}

/**
 * A device, named pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO) is written through: renaming a new
 * file over it, as the atomic write does, would replace the device node itself (as root, /dev/null).
 */
async function specialFile(target: string): Promise<Stats | null> {
  try {
    const st = await stat(target);
    return !st.isFile() && !st.isDirectory() ? st : null;
  } catch {
    return null; // missing (or unreadable): the atomic write creates it or names the failure
  }
}
