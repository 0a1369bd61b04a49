// File names and read-side primitives of the home folder, with Node core only (see docs/store.md for why).
// The write side (temp file, fsync, rename) is in write.ts, which reading the table does not load
// (it needs node:crypto for temp names; `destconfig list` should not pay for it at start-up).
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Names of the files the store keeps in the home folder. */
export const TABLE_FILE = 'destconfig.json';
export const SECRETS_FILE = 'secrets.json';
export const LOCK_FILE = 'destconfig.lock';
/** The delivery run lock (src/delivery/run-lock.ts): held by `deliver` for a whole run, taken with lock.ts's `fileName`. */
export const DELIVER_LOCK_FILE = 'deliver.lock';

/** Lock bounds: wait for a live holder, and age after which a lock is stale whatever its holder. */
export const DEFAULT_LOCK_WAIT_MS = 15_000;
export const DEFAULT_STALE_LOCK_MS = 60_000;

export function lockPath(home: string): string {
  return path.join(home, LOCK_FILE);
}

export function secretsPath(home: string): string {
  return path.join(home, SECRETS_FILE);
}

/**
 * Temp and side files: `<target>.<pid>.<random>.<kind>`. The pid lets a later process tell a temp file
 * of a dead writer (an orphan to remove) from one a live writer is still filling.
 */
const SIDE_FILE = /^(destconfig\.json|secrets\.json|destconfig\.lock|deliver\.lock)\.(\d+)\.[0-9a-f]+\.(tmp|stale)$/;


/** True when a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/** The file's text, or null when it does not exist. */
export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/**
 * Removes temp files left by killed writers. Outside the lock only those whose writer is gone (pid dead
 * on this host) or that are older than `staleMs`; with the lock held also every temp file of the table
 * and the secrets, since only the lock holder writes those.
 */
export async function removeOrphans(home: string, opts: { lockHeld: boolean; staleMs: number }): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(home);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = SIDE_FILE.exec(name);
    if (!m) continue;
    const [, target, pidText, kind] = m;
    const pid = Number(pidText);
    const file = path.join(home, name);
    // Only the table's and the secrets' temp files are written under the commit lock (a lock's own temp
    // file, of either lock, is its acquirer's, whatever lock the caller holds).
    const writtenByLockHolder = (target === TABLE_FILE || target === SECRETS_FILE) && kind === 'tmp';
    const orphan =
      (opts.lockHeld && writtenByLockHolder) ||
      (pid !== process.pid && (!pidAlive(pid) || (await ageMs(file)) > opts.staleMs));
    if (orphan) {
      await rm(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}
