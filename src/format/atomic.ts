// Atomic file replacement (ARCHITECTURE.md decision 4): write a temporary file in the same folder, fsync
// it, rename it over the target, fsync the folder. A crash at any instant leaves the old file or the new
// one, never a torn mix. rename(2) replaces a symbolic link at the target rather than writing through it.
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    renamed = true;
    await syncFolder(dir);
  } finally {
    if (!renamed) await rm(tmp, { force: true });
  }
}

/** fsync of the folder makes the rename itself durable (POSIX); some file systems refuse it, harmlessly. */
async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EINVAL/EPERM on platforms that cannot fsync a directory: the rename has still happened.
  } finally {
    await fh?.close();
  }
}
