// `mkdir -p` without Node's `recursive` mode, which never returns on some file systems: under /proc,
// mkdir(2) of a missing folder answers ENOENT although its parent exists, and Node 20's recursive mkdir
// then retries the parent and the child forever (`destconfig --home /proc/x` hung). Here each missing
// folder is made once, from the top down, and a refusal is an error that names the folder.
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from './files.js';

/** Whether `p` is an existing folder (false when missing; an error when it is something else). */
function folderExists(p: string, stats: Stats | null): boolean {
  if (stats === null) return false;
  if (!stats.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
  return true;
}

function missingIsNull(err: unknown): null {
  if (isErrno(err, 'ENOENT')) return null;
  throw err;
}

/**
 * Creates `dir` and any missing parents with `mode` (filtered by the umask, as mkdir's is). Returns the
 * top-most folder created, or undefined when `dir` existed, as Node's recursive mkdir does.
 */
export async function makeFolders(dir: string, mode?: number): Promise<string | undefined> {
  const missing: string[] = [];
  for (let cur = path.resolve(dir); !folderExists(cur, await stat(cur).catch(missingIsNull)); cur = path.dirname(cur)) {
    missing.unshift(cur);
    if (path.dirname(cur) === cur) break;
  }
  for (const folder of missing) {
    // EEXIST: made meanwhile by another process, which is as good.
    await mkdir(folder, { mode }).catch((err: unknown) => {
      if (!isErrno(err, 'EEXIST')) throw err;
    });
  }
  return missing[0];
}

/** makeFolders, synchronously. */
export function makeFoldersSync(dir: string, mode?: number): string | undefined {
  const statOrNull = (p: string): Stats | null => {
    try {
      return statSync(p);
    } catch (err) {
      return missingIsNull(err);
    }
  };
  const missing: string[] = [];
  for (let cur = path.resolve(dir); !folderExists(cur, statOrNull(cur)); cur = path.dirname(cur)) {
    missing.unshift(cur);
    if (path.dirname(cur) === cur) break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode });
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
  }
  return missing[0];
}
