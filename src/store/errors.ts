// Errors the store reports to the shell and the command line. Each message names the file involved and
// what the operator can do about it, because the shell prints these messages as they are.

/** Another process committed since this session loaded the table (ARCHITECTURE.md decision 4). */
export class StaleRevisionError extends Error {
  constructor(
    readonly baseRevision: number,
    readonly currentRevision: number,
  ) {
    super(
      `The table was changed by another session since this one loaded it ` +
        `(it is now at revision ${currentRevision}; this session started from revision ${baseRevision}). ` +
        `Nothing was written. Run "clearchanges" (or restart destconfig) to load the current table, ` +
        `then make your changes again.`,
    );
    this.name = 'StaleRevisionError';
  }
}

/** A file in the home folder cannot be trusted: malformed, invalid, or written by a newer destconfig. */
export class TableFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    advice = 'The file was left unchanged; correct it, or move it aside to start from factory defaults.',
  ) {
    super(`${file}: ${problem} ${advice}`);
    this.name = 'TableFileError';
  }
}

/** The table handed to commit would not load back: refused before anything is written. */
export class InvalidTableError extends Error {
  constructor(readonly problem: string) {
    super(`Refusing to commit an invalid table: ${problem} Nothing was written.`);
    this.name = 'InvalidTableError';
  }
}

/** What a lock file says about its holder (every field may be missing in a damaged or hand-made file). */
export interface LockHolder {
  pid?: number;
  host?: string;
  acquiredAt?: string;
}

/** Waiting for a live lock took longer than the bound. */
export class LockTimeoutError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | null,
    readonly waitedMs: number,
  ) {
    const who = holder
      ? `pid ${holder.pid ?? '?'} on host ${holder.host ?? '?'}, since ${holder.acquiredAt ?? 'an unknown time'}`
      : 'an unreadable lock file';
    super(
      `Another destconfig process is committing (${lockFile} is held by ${who}); ` +
        `gave up after waiting ${Math.round(waitedMs / 1000)} s. Nothing was written. Try again when it has ` +
        `finished; if no destconfig process is running there, remove ${lockFile}.`,
    );
    this.name = 'LockTimeoutError';
  }
}

/** This process held the lock so long that another one judged it stale and took it over. */
export class LockLostError extends Error {
  constructor(readonly lockFile: string) {
    super(`Lost the lock ${lockFile} while committing (another process took it over as stale). Nothing was written.`);
    this.name = 'LockLostError';
  }
}

/** Waiting for a live lock was given up (the waiter's signal aborted, e.g. SIGTERM); the lock was not taken. */
export class LockWaitAbortedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | null,
    readonly reason: unknown,
  ) {
    super(`Stopped waiting for the lock ${lockFile}${typeof reason === 'string' ? ` (${reason})` : ''}; it was not taken.`);
    this.name = 'LockWaitAbortedError';
  }
}
