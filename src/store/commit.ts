// Committing the table: the write side of the store, loaded only by the commands that commit (it brings
// the lock, the temp-file writer and node:crypto; reading the table needs none of them).
import type { DestTable } from '../table/types.js';
import { InvalidTableError, StaleRevisionError } from './errors.js';
import { DEFAULT_STALE_LOCK_MS, TABLE_FILE, removeOrphans } from './files.js';
import { withLock } from './lock.js';
import { checkEntry, docToTable, entryText, fileTextPieces, profileNamesOf, tableHead, type TableMeta } from './schema.js';
import { DocProblem } from './validate.js';
import { ensureHome, writeFileAtomic } from './write.js';
import type { CommitOptions, CommitResult } from './index.js';
import { readTableFile, sentence } from './index.js';

/** See commitTable in index.ts. */
export async function commitTableNow(home: string, table: DestTable, opts: CommitOptions): Promise<CommitResult> {
  const { baseRevision, comment } = opts;
  if (!Number.isSafeInteger(baseRevision) || baseRevision < 0) throw new TypeError(`Invalid base revision: ${baseRevision}`);
  const committedAt = opts.now ?? new Date();
  const meta: TableMeta = { revision: baseRevision + 1, committedAt, comment };
  let checked: { head: Record<string, unknown>; entryLines: string[] };
  try {
    checked = checkedDoc(table, meta);
  } catch (err) {
    if (err instanceof DocProblem) throw new InvalidTableError(sentence(err.message));
    throw err;
  }
  await ensureHome(home);
  return withLock(
    home,
    async (lock) => {
      await removeOrphans(home, { lockHeld: true, staleMs: opts.lock?.staleMs ?? DEFAULT_STALE_LOCK_MS });
      const currentRevision = (await readTableFile(home))?.revision ?? 0;
      if (currentRevision !== baseRevision) throw new StaleRevisionError(baseRevision, currentRevision);
      const pieces = fileTextPieces(checked.head, checked.entryLines);
      await writeFileAtomic(home, TABLE_FILE, pieces, () => lock.assertHeld());
      return { revision: meta.revision, committedAt };
    },
    opts.lock,
  );
}

/**
 * The head document and the JSON line of each entry (sorted by destination), after the load-back check:
 * the head is checked as the loader checks it, and each entry line is parsed back and checked as the
 * loader checks entries, one at a time, so no second copy of the whole table is built. Throws
 * DocProblem for the first fault.
 */
function checkedDoc(table: DestTable, meta: TableMeta): { head: Record<string, unknown>; entryLines: string[] } {
  const head = tableHead(table, meta);
  const profileNames = profileNamesOf(docToTable({ ...head, entries: [] }).table.bounceProfiles);
  const keys = [...table.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const entryLines = new Array<string>(keys.length);
  // Sorted, so a destination listed twice would be the one just before.
  let previous: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const line = entryText(key, table.entries.get(key));
    const e = checkEntry(JSON.parse(line), i, profileNames, (d) => d === previous);
    previous = e.destination;
    entryLines[i] = line;
  }
  return { head, entryLines };
}
