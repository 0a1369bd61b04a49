// TEMPORARY STUB (replaced by the persistence work): the store API the shell and the command line use.
// Not atomic, no lock, no revision check.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { emptyTable, type DestTable } from '../table/types.js';

export interface LoadedTable {
  table: DestTable;
  /** Revision of the committed file; 0 when no table has been committed yet (factory defaults). */
  revision: number;
}

export interface CommitResult {
  revision: number;
  committedAt: Date;
}

/** Another process committed since this session loaded the table. */
export class StaleRevisionError extends Error {
  constructor(
    readonly baseRevision: number,
    readonly currentRevision: number,
  ) {
    super(`the table was changed by another session (revision ${currentRevision}, this session started from ${baseRevision})`);
    this.name = 'StaleRevisionError';
  }
}

export function tablePath(home: string): string {
  return path.join(home, 'destconfig.json');
}

export async function loadTable(home: string): Promise<LoadedTable> {
  try {
    const doc = JSON.parse(await readFile(tablePath(home), 'utf8'));
    const t = emptyTable();
    t.defaults = doc.defaults;
    t.entries = new Map(doc.entries.map((e: { destination: string }) => [e.destination, e]));
    t.globals = doc.globals;
    t.bounceProfiles = doc.bounceProfiles;
    t.certificates = doc.certificates;
    return { table: t, revision: doc.revision };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { table: emptyTable(), revision: 0 };
    throw err;
  }
}

export async function commitTable(
  home: string,
  table: DestTable,
  opts: { baseRevision: number; comment: string; now?: Date },
): Promise<CommitResult> {
  const current = (await loadTable(home)).revision;
  if (current !== opts.baseRevision) throw new StaleRevisionError(opts.baseRevision, current);
  await mkdir(home, { recursive: true });
  const committedAt = opts.now ?? new Date();
  const revision = current + 1;
  const doc = { schema: 1, revision, committedAt: committedAt.toISOString(), comment: opts.comment, ...table, entries: [...table.entries.values()] };
  await writeFile(tablePath(home), JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  return { revision, committedAt };
}
