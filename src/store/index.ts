// The persisted table (ARCHITECTURE.md decision 4): `<home>/destconfig.json`, read without a lock (a
// commit replaces the file by rename, so a reader sees one whole revision) and committed under the lock
// with a revision check, so a session that loaded an older revision can never overwrite a newer one.
import path from 'node:path';
import { emptyTable, type DestTable } from '../table/types.js';
import { InvalidTableError, StaleRevisionError, TableFileError } from './errors.js';
import { TABLE_FILE, ensureHome, readIfExists, removeOrphans, writeFileAtomic } from './files.js';
import { DEFAULT_STALE_LOCK_MS, withLock, type LockOptions } from './lock.js';
import { docToTable, parseTableText, serializeDoc, tableToDoc, type TableMeta } from './schema.js';
import { DocProblem } from './validate.js';

export { InvalidTableError, LockLostError, LockTimeoutError, StaleRevisionError, TableFileError } from './errors.js';
export { DEFAULT_LOCK_WAIT_MS, DEFAULT_STALE_LOCK_MS, lockPath, type LockOptions } from './lock.js';
export { SCHEMA_VERSION } from './schema.js';
export { ensureSecret, secretsPath } from './secrets.js';

export interface LoadedTable {
  table: DestTable;
  /** Revision of the committed file; 0 when no table has been committed yet (factory defaults). */
  revision: number;
  /** When that revision was committed; null for factory defaults. */
  committedAt: Date | null;
  /** The comment given at that commit ('' for factory defaults). */
  comment: string;
}

export interface CommitResult {
  revision: number;
  committedAt: Date;
}

export interface CommitOptions {
  /** The revision the session loaded; the commit is refused (StaleRevisionError) if the file moved on. */
  baseRevision: number;
  comment: string;
  /** Commit time (default: now). */
  now?: Date;
  /** Lock wait and staleness bounds (tests shorten them). */
  lock?: LockOptions;
}

export function tablePath(home: string): string {
  return path.join(home, TABLE_FILE);
}

/**
 * The committed table, or factory defaults at revision 0 when none was committed. A file that is
 * malformed, fails a check or was written by a newer destconfig throws TableFileError and is left alone.
 * Orphan temp files of killed writers are removed on the way (best effort: a read-only home still loads).
 */
export async function loadTable(home: string): Promise<LoadedTable> {
  await removeOrphans(home, { lockHeld: false, staleMs: DEFAULT_STALE_LOCK_MS }).catch(() => undefined);
  return (await readTableFile(home)) ?? { table: emptyTable(), revision: 0, committedAt: null, comment: '' };
}

/**
 * Commits `table` as the next revision: checked first (a table that would not load back is refused with
 * InvalidTableError), then, under the lock, refused with StaleRevisionError unless the file is still at
 * `baseRevision`, then written atomically (mode 0600; the home folder is created 0700 if missing).
 */
export async function commitTable(home: string, table: DestTable, opts: CommitOptions): Promise<CommitResult> {
  const { baseRevision, comment } = opts;
  if (!Number.isSafeInteger(baseRevision) || baseRevision < 0) throw new TypeError(`Invalid base revision: ${baseRevision}`);
  const committedAt = opts.now ?? new Date();
  const meta: TableMeta = { revision: baseRevision + 1, committedAt, comment };
  let doc: Record<string, unknown>;
  try {
    doc = tableToDoc(table, meta);
    docToTable(doc);
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
      await writeFileAtomic(home, TABLE_FILE, serializeDoc(doc), () => lock.assertHeld());
      return { revision: meta.revision, committedAt };
    },
    opts.lock,
  );
}

/** The table file parsed and checked, or null when there is none. */
async function readTableFile(home: string): Promise<LoadedTable | null> {
  const file = tablePath(home);
  const text = await readIfExists(file);
  if (text === null) return null;
  try {
    return parseTableText(text);
  } catch (err) {
    if (err instanceof DocProblem) throw new TableFileError(file, sentence(err.message));
    throw err;
  }
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
