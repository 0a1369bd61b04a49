// The delivery run lock, `<home>/deliver.lock`: one `deliver` run at a time on a home, as the appliance has
// one delivery engine. A run holds it from before `<home>/delivery-state.json` is read until after it is
// saved, so runs started together (`xargs -P`, two cron jobs) take turns: each starts from the ids and
// recipient-limit windows the previous one saved (QA pass 7: four overlapping runs under "2 recipients per
// 60 minutes" delivered 4 and reused MIDs). It is the store's commit lock machinery (src/store/lock.ts)
// under another file name, with other rules: a run lasts minutes, so the lock is never judged stale by age,
// only when its holder's pid is gone on this host (a SIGKILLed run's lock is taken over at once); a live
// holder is waited for without bound, said once on stderr; SIGTERM/SIGINT while waiting ends the run at
// once with nothing sent (status 75, "try again", as for any interrupted run). See docs/delivery.md.
import os from 'node:os';
import { CliError, EXIT } from '../cli/exit.js';
import { LockWaitAbortedError, type LockHolder } from '../store/errors.js';
import { DELIVER_LOCK_FILE } from '../store/files.js';
import { makeFolders } from '../store/folders.js';
import { withLock } from '../store/lock.js';

export { DELIVER_LOCK_FILE } from '../store/files.js';

/** Who holds the lock, for the waiting line: `the delivery run of pid N (started AT)`. */
export function holderText(holder: LockHolder | null, file: string): string {
  if (!holder || typeof holder.pid !== 'number') return `the delivery run holding ${file}`;
  const where = holder.host && holder.host !== os.hostname() ? ` on host ${holder.host}` : '';
  return `the delivery run of pid ${holder.pid}${where} (started ${holder.acquiredAt ?? 'at an unknown time'})`;
}

export interface RunLockOptions {
  /** Aborted by the first SIGTERM/SIGINT (its reason the signal's name): the wait is given up. */
  signal: AbortSignal;
  /** Where the waiting line goes (stderr). */
  say: (line: string) => void;
}

/**
 * Runs `fn` holding the run lock of `home` (created if missing, as the state file's folder would be).
 * `fn` is told whether the run had to wait (what it read before may have changed meanwhile).
 */
export async function withRunLock<T>(home: string, fn: (waited: boolean) => Promise<T>, opts: RunLockOptions): Promise<T> {
  let waitedFor: string | null = null;
  let held = false;
  try {
    await makeFolders(home);
    return await withLock(home, () => ((held = true), fn(waitedFor !== null)), {
      fileName: DELIVER_LOCK_FILE,
      waitMs: Infinity,
      staleMs: Infinity,
      signal: opts.signal,
      onWait: (holder, file) => {
        waitedFor = holderText(holder, file);
        opts.say(`destconfig: waiting for ${waitedFor} on ${home} to end`);
      },
    });
  } catch (err) {
    if (err instanceof LockWaitAbortedError) {
      const by = typeof err.reason === 'string' ? err.reason : 'a signal';
      const what = waitedFor ? `waiting for ${waitedFor} to end` : 'before it started';
      throw new CliError(`stopped by ${by} ${what}; nothing was sent`, EXIT.DEFERRED);
    }
    // The lock could not be taken (the home cannot be written): nothing was sent, status 1 naming why.
    if (!held) throw new CliError(`cannot take the delivery run lock in ${home}: ${err instanceof Error ? err.message : String(err)}`, EXIT.FAILURE);
    throw err;
  }
}
