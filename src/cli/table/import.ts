// `destconfig import <file> [--dry-run]`: validates a table file (all-or-nothing) and commits it at once as
// the whole table, or with --dry-run prints what would change and writes nothing. `-` reads stdin.
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { MAX_FILE_BYTES, importTableBytes, readFileBounded } from '../../format/read.js';
import { applyImport } from '../../format/apply.js';
import { readStreamBounded } from '../../store/bounded-read.js';
import { fingerprint } from '../../table/fingerprint.js';
import { commitTable, StaleRevisionError } from '../../store/index.js';
import { homeOf, loadCommitted, out } from './io.js';
import { diffTables, diffText } from './diff.js';
import { progressBar } from './progress.js';

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) throw new CliError('import: "-" reads the table file from standard input, which is a terminal here; pipe or redirect a file into it.', EXIT.USAGE);
  const bytes = await readStreamBounded(process.stdin, MAX_FILE_BYTES);
  if (!bytes) throw new CliError(`import: <stdin>: too large (a table file is at most ${MAX_FILE_BYTES} bytes).`, EXIT.USAGE);
  return bytes;
}

export async function runImport(file: string, opts: { dryRun?: boolean }, cmd: Command): Promise<void> {
  const home = homeOf(cmd);
  const label = file === '-' ? '<stdin>' : file;
  let bytes: Buffer;
  if (file === '-') bytes = await readStdin();
  else {
    const read = await readFileBounded(file, label);
    if (!read.ok) throw new CliError(`import: ${read.error}`, EXIT.USAGE);
    bytes = read.bytes;
  }

  const progress = progressBar(process.stderr, `Importing ${label}`, bytes.length);
  const result = importTableBytes(bytes, label, progress?.update);
  progress?.finish();
  if (!result.ok) {
    process.stderr.write(result.errors.join('\n') + '\n');
    throw new CliError(`import: ${label} is not a valid table file; nothing was imported.`, EXIT.USAGE);
  }

  const { table: current, revision } = await loadCommitted(home);
  // The diff is of what would be committed: applyImport keeps the table's spelling of a bounce profile the
  // file writes in another case, which is then no change.
  const next = applyImport(current, result.table);
  const diff = diffTables(current, next);
  const counts = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
  const entries = `${result.entries} destination entr${result.entries === 1 ? 'y' : 'ies'}`;
  if (opts.dryRun) {
    out(`${label} is valid: ${entries} (${counts}). Dry run: nothing was committed.\n${diffText(diff)}`);
    return;
  }
  if (revision > 0 && fingerprint(next) === fingerprint(current)) {
    // Nothing to commit, as the shell's commit says for a session without changes. A new revision would only
    // refuse the commit of every shell session opened before it (a script that imports on a schedule). A home
    // where nothing was committed yet still gets its first commit: the import made the table file exist.
    out(`No changes: ${label} holds the committed table (${entries}); nothing was committed, the table stays at revision ${revision}.\n`);
    return;
  }
  const comment = `import of ${file === '-' ? '<stdin>' : path.resolve(file)}`;
  try {
    const done = await commitTable(home, next, { baseRevision: revision, comment });
    out(`Imported ${entries} from ${label} (${counts}); committed as revision ${done.revision}.\n`);
  } catch (err) {
    if (err instanceof StaleRevisionError) {
      // The store's message speaks to a shell session (clearchanges); a command line has only this to say.
      throw new CliError(
        `import: another session committed the table while the file was being imported (the table is now at revision ${err.currentRevision}; ` +
          `the import started from revision ${err.baseRevision}); nothing was imported. Run the import again.`,
        EXIT.FAILURE,
      );
    }
    throw new CliError(`import: the commit failed: ${err instanceof Error ? err.message : String(err)}; the table is unchanged.`, EXIT.FAILURE);
  }
}
