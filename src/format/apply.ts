// What an import does to a table: the file replaces the Default row and every entry. Global settings and
// certificate profiles are not in the file and stay. Bounce profiles are objects of their own on the
// appliance (Network > Bounce Profiles), not table rows: the known ones stay, and those the file names
// are added (compared without regard to case). Shared by `destconfig import` and the shell's IMPORT.
import { cloneTable, type DestTable } from '../table/types.js';
import type { ImportedTable } from './build.js';

export function applyImport(current: DestTable, imported: ImportedTable): DestTable {
  const next = cloneTable(current);
  next.defaults = imported.defaults;
  next.entries = imported.entries;
  const known = new Set(next.bounceProfiles.map((p) => p.toLowerCase()));
  for (const p of imported.bounceProfiles) if (!known.has(p.toLowerCase())) next.bounceProfiles.push(p);
  return next;
}
