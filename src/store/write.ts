// Crash-safe file writes, with Node core only (see docs/store.md for why), for the home folder's files
// and for every other file the tool replaces (exported tables, the delivery state).
// A replaced file goes through a temp file in the same folder: write, fsync, rename over the target,
// fsync the folder. rename(2) is atomic within one file system, so a reader (or a process restarted
// after SIGKILL or power loss) sees either the whole old file or the whole new one, never a mix; it also
// replaces a symbolic link at the target rather than writing through it, unless asked to follow it (the
// command line's export: the operator named that path; the shell's EXPORT does not follow links, which
// could lead out of its configuration folder).
import { randomBytes } from 'node:crypto';
import { chmod, open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from './files.js';
import { makeFolders } from './folders.js';

/** Pieces of text are gathered to about this size before each write (one write per line would be slow). */
const WRITE_CHUNK_CHARS = 1 << 20;

/** The home folder's side files: files.ts's removeOrphans recognises (and cleans up) this pattern. */
export function sideFileName(target: string, kind: 'tmp' | 'stale'): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.${kind}`;
}

/** Creates the home folder (0700, it holds the BATV secret) if missing. */
export async function ensureHome(home: string): Promise<void> {
  const created = await makeFolders(home, 0o700);
  // mkdir's mode is filtered by the umask; the folder we create is the operator's private one.
  if (created !== undefined && path.resolve(created) === path.resolve(home)) await chmod(home, 0o700);
}

export interface AtomicWriteOptions {
  /** Mode of the new file (default 0644), filtered by the umask as for any new file unless `exactMode`. */
  mode?: number;
  /** Give the file exactly `mode` whatever the umask (the home folder's private files). */
  exactMode?: boolean;
  /** The temp file's name in the target's folder (default `.NAME.PID.RANDOM.tmp`, hidden from listings). */
  tempName?: string;
  /** Runs after the data is durable and just before it replaces the target (the committer checks there that it still holds the lock). */
  beforeRename?: () => Promise<void>;
  /** An existing file keeps its mode (an exported table the operator made private stays private), as write-file-atomic does. */
  keepMode?: boolean;
  /** A symbolic link at the target is written through (the file it names is replaced), not replaced itself. */
  followLink?: boolean;
}

/**
 * Replaces `file` atomically with `data`. `data` may be pieces of text, written in order as they come, so
 * a large file need not be built as one string first. On failure the target is untouched and no temp
 * file is left behind.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | Iterable<string>,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  if (opts.followLink) file = await realpath(file).catch(() => file);
  const dir = path.dirname(file);
  const tmp = path.join(dir, opts.tempName ?? `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const existingMode = opts.keepMode ? await stat(file).then((st) => (st.isFile() ? st.mode & 0o7777 : undefined), () => undefined) : undefined;
  const mode = existingMode ?? opts.mode ?? 0o644;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      if (opts.exactMode || existingMode !== undefined) await fh.chmod(mode);
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else await writePieces(fh, data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await opts.beforeRename?.();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** writeFileAtomic for a file of the home folder: private (0600 exactly), temp file named for removeOrphans. */
export function writeHomeFile(home: string, name: string, data: string | Iterable<string>, beforeRename?: () => Promise<void>): Promise<void> {
  return writeFileAtomic(path.join(home, name), data, { mode: 0o600, exactMode: true, tempName: sideFileName(name, 'tmp'), beforeRename });
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
