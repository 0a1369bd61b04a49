// Committing the table: the write side of the store, loaded only by the commands that commit (it brings
// the lock, the temp-file writer and node:crypto; reading the table needs none of them).
import type { DestTable } from '../table/types.js';
import { InvalidTableError, StaleRevisionError } from './errors.js';
import { DEFAULT_STALE_LOCK_MS, TABLE_FILE, removeOrphans } from './files.js';
import { withLock } from './lock.js';
import { checkEntry, docToTable, entryText, fileTextPieces, profileNamesOf, tableHead, type TableMeta } from './schema.js';
import { DocProblem } from './validate.js';
import { ensureHome, writeHomeFile } from './write.js';
import type { CommitOptions, CommitResult } from './index.js';
import { readTableFile, sentence } from './index.js';

/** See commitTable in index.ts. */
/**
 * See commitTable in index.ts. The table must not change until the commit settles: its entries are read
 * twice, once to check them before taking the lock and once, checked again, as the file is written.
 */
export async function commitTableNow(home: string, table: DestTable, opts: CommitOptions): Promise<CommitResult> {
  const { baseRevision, comment } = opts;
  if (!Number.isSafeInteger(baseRevision) || baseRevision < 0) throw new TypeError(`Invalid base revision: ${baseRevision}`);
  const committedAt = opts.now ?? new Date();
  const meta: TableMeta = { revision: baseRevision + 1, committedAt, comment };
  const checked = asInvalidTable(() => checkedHead(table, meta));
  // First pass: every entry checked before the lock is taken, so a table that would not load back is
  // refused without touching the home folder. Nothing of it is kept: 100,000 entry lines are 28 MB.
  asInvalidTable(() => {
    for (const line of checkedEntryLines(table, checked)) void line;
  });
  await ensureHome(home);
  return withLock(
    home,
    async (lock) => {
      await removeOrphans(home, { lockHeld: true, staleMs: opts.lock?.staleMs ?? DEFAULT_STALE_LOCK_MS });
      const currentRevision = (await readTableFile(home))?.revision ?? 0;
      if (currentRevision !== baseRevision) throw new StaleRevisionError(baseRevision, currentRevision);
      // Second pass: the lines written are made and checked again as they are written, so the file holds
      // only checked entries even if the table changed meanwhile (the temp file is then removed).
      const pieces = fileTextPieces(checked.head, checkedEntryLines(table, checked));
      try {
        await writeHomeFile(home, TABLE_FILE, pieces, () => lock.assertHeld());
      } catch (err) {
        if (err instanceof DocProblem) throw new InvalidTableError(sentence(err.message));
        throw err;
      }
      return { revision: meta.revision, committedAt };
    },
    opts.lock,
  );
}

function asInvalidTable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DocProblem) throw new InvalidTableError(sentence(err.message));
    throw err;
  }
}

interface CheckedHead {
  head: Record<string, unknown>;
  profileNames: ReadonlySet<string>;
  /** The destinations, sorted: the order of the file's entries. */
  keys: string[];
}

/** The head document, checked as the loader checks it, and the sorted destinations. */
function checkedHead(table: DestTable, meta: TableMeta): CheckedHead {
  const head = tableHead(table, meta);
  const profileNames = profileNamesOf(docToTable({ ...head, entries: [] }).table.bounceProfiles);
  const keys = [...table.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { head, profileNames, keys };
}

/**
 * The JSON line of each entry in file order, after the load-back check: each line is parsed back and
 * checked as the loader checks entries, one at a time, so no second copy of the whole table is built.
 * Throws DocProblem for the first fault.
 */
function* checkedEntryLines(table: DestTable, { profileNames, keys }: CheckedHead): Generator<string> {
  // Sorted, so a destination listed twice would be the one just before.
  let previous: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const line = entryText(key, table.entries.get(key));
    const e = checkEntry(JSON.parse(line), i, profileNames, (d) => d === previous);
    previous = e.destination;
    yield line;
  }
}
