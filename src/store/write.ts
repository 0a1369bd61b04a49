// Crash-safe writes of the home folder, with Node core only (see docs/store.md for why).
// A replaced file goes through a temp file in the same folder: write, fsync, rename over the target,
// fsync the folder. rename(2) is atomic within one file system, so a reader (or a process restarted
// after SIGKILL or power loss) sees either the whole old file or the whole new one, never a mix.
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from './files.js';
import { makeFolders } from './folders.js';

/** Pieces of text are gathered to about this size before each write (one write per line would be slow). */
const WRITE_CHUNK_CHARS = 1 << 20;

export function sideFileName(target: string, kind: 'tmp' | 'stale'): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.${kind}`;
}

/** Creates the home folder (0700, it holds the BATV secret) if missing. */
export async function ensureHome(home: string): Promise<void> {
  const created = await makeFolders(home, 0o700);
  // mkdir's mode is filtered by the umask; the folder we create is the operator's private one.
  if (created !== undefined && path.resolve(created) === path.resolve(home)) await chmod(home, 0o700);
}

/**
 * Writes `data` to `dir/name` atomically with mode 0600. `data` may be pieces of text, written in order
 * as they come, so a large file need not be built as one string first. `beforeRename` runs after the
 * data is durable and just before it replaces the target (the committer checks there that it still
 * holds the lock).
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: string | Iterable<string>,
  beforeRename?: () => Promise<void>,
): Promise<void> {
  const tmp = path.join(dir, sideFileName(name, 'tmp'));
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.chmod(0o600);
      if (typeof data === 'string') await fh.writeFile(data, 'utf8');
      else await writePieces(fh, data);
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

async function writePieces(fh: FileHandle, pieces: Iterable<string>): Promise<void> {
  let pending: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    pending.push(piece);
    size += piece.length;
    if (size >= WRITE_CHUNK_CHARS) {
      await fh.writeFile(pending.join(''), 'utf8');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) await fh.writeFile(pending.join(''), 'utf8');
}
