// The commit lock: `<home>/destconfig.lock`, created exclusively and holding {pid, host, acquiredAt, token}.
//
// - Acquire: the holder's details are written to a temp file first and hard-linked to the lock name;
//   link(2) fails with EEXIST when the lock exists, so the lock file is never seen half-written. Where
//   the file system has no hard links, an exclusive create (O_EXCL) plus write is used instead.
// - Stale: the holder's pid is gone on this host, or the lock is older than `staleMs`. A stale lock is
//   taken over by renaming it aside and checking that the file renamed is the one judged stale (same
//   inode); if another process replaced it meanwhile, the live lock is linked back. See docs/store.md.
// - Waiting for a live holder is bounded by `waitMs`, then LockTimeoutError names the holder.
// - Other locks of the home (the delivery run lock, `<home>/deliver.lock`) use the same machinery under
//   their own file name (`fileName`), with their own bounds: a run lock is held for minutes, so it is
//   judged stale by its holder's pid only (`staleMs: Infinity`) and waited for without bound, reporting
//   the wait once (`onWait`) and giving it up when `signal` aborts (LockWaitAbortedError).
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockLostError, LockTimeoutError, LockWaitAbortedError, type LockHolder } from './errors.js';
import { DEFAULT_LOCK_WAIT_MS, DEFAULT_STALE_LOCK_MS, isErrno, lockPath, pidAlive, readIfExists } from './files.js';
import { sideFileName } from './write.js';

export { DEFAULT_LOCK_WAIT_MS, DEFAULT_STALE_LOCK_MS, lockPath } from './files.js';

export interface LockOptions {
  /** How long to wait for a live holder before giving up (default 15 s). */
  waitMs?: number;
  /** A lock older than this is stale whatever its holder (default 60 s; a commit takes well under 1 s). */
  staleMs?: number;
  /** The lock file's name in the home (default `destconfig.lock`, the commit lock); files.ts's removeOrphans must know it. */
  fileName?: string;
  /** Called once, when a live holder is first found and the wait for it begins (its record; null when unreadable). */
  onWait?: (holder: LockHolder | null, file: string) => void;
  /** Gives up waiting when aborted: the acquisition rejects with LockWaitAbortedError and the lock is not taken. */
  signal?: AbortSignal;
}

interface HolderRecord extends LockHolder {
  token?: string;
}

/** Tokens of the locks this process holds: a lock naming our own pid but another token is a dead predecessor's. */
const heldTokens = new Set<string>();

export interface HeldLock {
  readonly file: string;
  /** Throws LockLostError when the lock file is no longer ours (another process took it over as stale). */
  assertHeld(): Promise<void>;
}

/** Runs `fn` holding the lock of `home` (which must exist), and releases it afterwards. */
export async function withLock<T>(home: string, fn: (lock: HeldLock) => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const file = opts.fileName === undefined ? lockPath(home) : path.join(home, opts.fileName);
  const token = await acquire(home, file, opts);
  const held: HeldLock = {
    file,
    async assertHeld() {
      if ((await readHolder(file))?.token !== token) throw new LockLostError(file);
    },
  };
  try {
    return await fn(held);
  } finally {
    heldTokens.delete(token);
    if ((await readHolder(file))?.token === token) await rm(file, { force: true });
  }
}

async function acquire(home: string, file: string, opts: LockOptions): Promise<string> {
  const waitMs = opts.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_LOCK_MS;
  const started = Date.now();
  let pause = 10;
  let lastHolder: LockHolder | null = null;
  let waiting = false;
  for (;;) {
    if (opts.signal?.aborted) throw new LockWaitAbortedError(file, lastHolder, opts.signal.reason);
    const token = randomBytes(12).toString('hex');
    const record: HolderRecord = { pid: process.pid, host: os.hostname(), acquiredAt: new Date().toISOString(), token };
    heldTokens.add(token); // before the link: another acquirer in this process must see the lock as live
    if (await tryCreate(home, file, JSON.stringify(record) + '\n')) return token;
    heldTokens.delete(token);

    const seen = await inspect(file);
    if (seen === null) continue; // released between our attempt and the look: try again at once
    if (isStale(seen, staleMs)) {
      await breakStale(home, file, seen.ino);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new LockTimeoutError(file, seen.holder, waited);
    if (!waiting) {
      waiting = true;
      opts.onWait?.(seen.holder, file);
    }
    lastHolder = seen.holder;
    try {
      await sleep(Math.min(pause, waitMs - waited) + Math.random() * pause, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch (err) {
      if (opts.signal?.aborted) throw new LockWaitAbortedError(file, lastHolder, opts.signal.reason);
      throw err;
    }
    pause = Math.min(pause * 2, 200);
  }
}

/** One attempt at creating the lock file; false when it exists. */
async function tryCreate(home: string, file: string, content: string): Promise<boolean> {
  const tmp = path.join(home, sideFileName(path.basename(file), 'tmp'));
  try {
    await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
    try {
      await link(tmp, file);
      return true;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return false;
      if (!isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK')) throw err;
    }
  } finally {
    await rm(tmp, { force: true });
  }
  return createExclusive(file, content);
}

/** Fallback without hard links: O_EXCL create, then write (a reader may briefly see it empty). */
async function createExclusive(file: string, content: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}

interface SeenLock {
  holder: HolderRecord | null;
  ino: number;
  ageMs: number;
}

async function inspect(file: string): Promise<SeenLock | null> {
  try {
    const st = await stat(file);
    return { holder: await readHolder(file), ino: st.ino, ageMs: Date.now() - st.mtimeMs };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

async function readHolder(file: string): Promise<HolderRecord | null> {
  const text = await readIfExists(file);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as HolderRecord) : null;
  } catch {
    return null;
  }
}

/** Grace for a lock file that cannot be read (hand-made, or caught mid-write by the O_EXCL fallback). */
const UNREADABLE_GRACE_MS = 2_000;

function isStale(seen: SeenLock, staleMs: number): boolean {
  if (seen.ageMs > staleMs) return true;
  const h = seen.holder;
  if (!h || typeof h.pid !== 'number') return seen.ageMs > UNREADABLE_GRACE_MS;
  if (h.host !== os.hostname()) return false; // cannot see another host's processes: only age counts
  if (h.pid === process.pid) return typeof h.token !== 'string' || !heldTokens.has(h.token);
  return !pidAlive(h.pid);
}

/**
 * Removes the stale lock with inode `ino`. Renaming (not unlinking) it first makes sure that what is
 * removed is the file judged stale: if a waiter took the lock over in between, the file renamed is its
 * live lock, which is linked back at once.
 */
async function breakStale(home: string, file: string, ino: number): Promise<void> {
  const aside = path.join(home, sideFileName(path.basename(file), 'stale'));
  try {
    await rename(file, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  try {
    if ((await stat(aside)).ino !== ino) {
      await link(aside, file).catch(async (err: unknown) => {
        if (isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) await rename(aside, file);
        else if (!isErrno(err, 'EEXIST')) throw err;
      });
    }
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}
