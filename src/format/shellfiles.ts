// What the shell's IMPORT and EXPORT operations call. As on the appliance, files live in the table home's
// configuration folder (reference §5.9): names typed at the prompt resolve there, and names that try to
// leave it (`../`, absolute paths, symbolic links that point outside) are refused.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from '../store/folders.js';
import type { DestTable } from '../table/types.js';
import { writeFileAtomic } from '../store/write.js';
import { importTableFile } from './read.js';
import { formatTable } from './write.js';

export type { ImportedTable } from './build.js';
/** What IMPORT does to the working table (keeps global settings and known bounce profiles). */
export { applyImport } from './apply.js';
import type { ImportedTable } from './build.js';

export const CONFIG_FOLDER = 'configuration';

export function configFolder(home: string): string {
  return path.join(path.resolve(home), CONFIG_FOLDER);
}

/**
 * Where `p` really leads: the realpath of its deepest existing ancestor with the rest appended. A dangling
 * symbolic link is followed through its target text, so a link to a file not yet created outside the
 * folder is judged by where it points.
 */
function realpathLoose(p: string, depth = 0): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    let st = null;
    try {
      st = lstatSync(cur);
    } catch {
      // Does not exist: judge its parent.
    }
    if (st) {
      const tail = rest.reverse();
      try {
        return path.join(realpathSync(cur), ...tail);
      } catch {
        if (!st.isSymbolicLink() || depth > 32) return path.join(cur, ...tail);
        return realpathLoose(path.join(path.resolve(path.dirname(cur), readlinkSync(cur)), ...tail), depth + 1);
      }
    }
    const parent = path.dirname(cur);
    if (parent === cur) return path.join(cur, ...rest.reverse());
    rest.push(path.basename(cur));
    cur = parent;
  }
}

function inside(folder: string, p: string): boolean {
  const rel = path.relative(folder, p);
  // `..` as the first path segment leads out; a name that merely starts with two dots (`..backup.ini`) does not.
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Resolves a file name typed at the shell's IMPORT/EXPORT prompt inside `<home>/configuration/`.
 * Names that try to leave that folder (`../`, absolute paths) are refused, as on the appliance.
 */
export function resolveConfigPath(home: string, name: string): { ok: true; path: string } | { ok: false; error: string } {
  const folder = configFolder(home);
  const typed = name.trim();
  const refuse = (why: string): { ok: false; error: string } => ({ ok: false, error: `Invalid file name ${JSON.stringify(typed)}: ${why}` });
  if (typed === '') return { ok: false, error: 'A file name is required.' };
  if (typed.includes('\0')) return refuse('it contains a NUL character.');
  if (path.isAbsolute(typed) || typed.startsWith('~') || /^[A-Za-z]:/.test(typed)) {
    return refuse(`absolute paths are not allowed; give a name inside the configuration folder (${folder}).`);
  }
  if (typed.split(/[\\/]/).includes('..')) return refuse(`"../" is not allowed; files must be inside the configuration folder (${folder}).`);
  const candidate = path.resolve(folder, typed);
  if (!inside(folder, candidate)) return refuse(`it must name a file inside the configuration folder (${folder}).`);
  // Symbolic links inside the folder (the file itself or a sub-folder) must not lead out of it.
  if (!inside(realpathLoose(folder), realpathLoose(candidate))) {
    return refuse(`it leads outside the configuration folder (${folder}) through a symbolic link.`);
  }
  return { ok: true, path: candidate };
}

/** Reads and validates a table file: all-or-nothing, every error as `FILE:LINE: [section] key: what is wrong`. */
export async function readTableFile(file: string): Promise<{ ok: true; table: ImportedTable; entries: number } | { ok: false; errors: string[] }> {
  const r = await importTableFile(file);
  return r.ok ? r : { ok: false, errors: r.errors };
}

/** Writes the table in the ESA file format, atomically; creates the file's folder (the configuration
 *  folder on first EXPORT) when missing. */
export async function writeTableFile(file: string, table: DestTable, now: Date = new Date()): Promise<void> {
  await makeFolders(path.dirname(file));
  await writeFileAtomic(file, formatTable(table, now), { keepMode: true });
}
