// The persisted table (ARCHITECTURE.md decision 4): `<home>/destconfig.json`, read without a lock (a
// commit replaces the file by rename, so a reader sees one whole revision) and committed under the lock
// with a revision check, so a session that loaded an older revision can never overwrite a newer one.
import path from 'node:path';
//
// Only the read side is loaded with this module: committing (commit.ts) and secrets (secrets.ts) bring
// the lock, the temp-file writer and node:crypto, and are imported when first used, so a command that
// only reads the table (`destconfig list`) starts faster.
import { emptyTable, type DestTable } from '../table/types.js';
import { TableFileError } from './errors.js';
import { DEFAULT_STALE_LOCK_MS, TABLE_FILE, removeOrphans } from './files.js';
import type { LockOptions } from './lock.js';
import { readTableFile as parseTableFile } from './read.js';
import { DocProblem } from './validate.js';

export { InvalidTableError, LockLostError, LockTimeoutError, StaleRevisionError, TableFileError } from './errors.js';
export { DEFAULT_LOCK_WAIT_MS, DEFAULT_STALE_LOCK_MS, lockPath, secretsPath } from './files.js';
export type { LockOptions } from './lock.js';
export { SCHEMA_VERSION } from './schema.js';

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
  const { commitTableNow } = await import('./commit.js');
  return commitTableNow(home, table, opts);
}

/**
 * The secret called `name` (32 random bytes), created on first use under the commit lock (secrets.ts,
 * loaded only when asked: it brings the lock and node:crypto, which reading the table does not need).
 */
export async function ensureSecret(home: string, name: string, lockOptions?: LockOptions): Promise<Buffer> {
  const secrets = await import('./secrets.js');
  return secrets.ensureSecret(home, name, lockOptions);
}

/** The table file parsed and checked, or null when there is none. */
export async function readTableFile(home: string): Promise<LoadedTable | null> {
  const file = tablePath(home);
  try {
    return await parseTableFile(file);
  } catch (err) {
    if (err instanceof DocProblem) throw new TableFileError(file, sentence(err.message));
    throw err;
  }
}

export function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
