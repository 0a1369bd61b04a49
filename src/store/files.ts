// Crash-safe file primitives of the home folder, with Node core only (see docs/store.md for why).
// A replaced file goes through a temp file in the same folder: write, fsync, rename over the target,
// fsync the folder. rename(2) is atomic within one file system, so a reader (or a process restarted
// after SIGKILL or power loss) sees either the whole old file or the whole new one, never a mix.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Names of the files the store keeps in the home folder. */
export const TABLE_FILE = 'destconfig.json';
export const SECRETS_FILE = 'secrets.json';
export const LOCK_FILE = 'destconfig.lock';

/**
 * Temp and side files: `<target>.<pid>.<random>.<kind>`. The pid lets a later process tell a temp file
 * of a dead writer (an orphan to remove) from one a live writer is still filling.
 */
const SIDE_FILE = /^(destconfig\.json|secrets\.json|destconfig\.lock)\.(\d+)\.[0-9a-f]+\.(tmp|stale)$/;

export function sideFileName(target: string, kind: 'tmp' | 'stale'): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.${kind}`;
}

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

/** Creates the home folder (0700, it holds the BATV secret) if missing. */
export async function ensureHome(home: string): Promise<void> {
  const created = await mkdir(home, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; the folder we create is the operator's private one.
  if (created !== undefined && path.resolve(created) === path.resolve(home)) await chmod(home, 0o700);
}

/**
 * Writes `data` to `dir/name` atomically with mode 0600. `beforeRename` runs after the data is durable
 * and just before it replaces the target (the committer checks there that it still holds the lock).
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: string,
  beforeRename?: () => Promise<void>,
): Promise<void> {
  const tmp = path.join(dir, sideFileName(name, 'tmp'));
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.();
    await rename(tmp, path.join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** Makes a rename in `dir` durable (without it a power loss may bring the old name back). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some platforms and file systems cannot fsync a directory; the rename itself is still atomic.
    if (!isErrno(err, 'EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP')) throw err;
  } finally {
    await fh.close();
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
    const writtenByLockHolder = target !== LOCK_FILE && kind === 'tmp';
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
