// What an import does to a table: the file replaces the Default row and every entry. Global settings and
// certificate profiles are not in the file and stay. Bounce profiles are objects of their own on the
// appliance (Network > Bounce Profiles), not table rows: the known ones stay, and those the file names
// are added. Names compare without regard to case; a name the table already knows keeps the table's
// spelling (the store requires every reference to match a listed name exactly). Shared by
// `destconfig import` and the shell's IMPORT.
import { DEFAULT, cloneEntry, cloneTable, type DestTable } from '../table/types.js';
import type { ImportedTable } from './build.js';
import { EntryMap } from '../table/entry-map.js';

export function applyImport(current: DestTable, imported: ImportedTable): DestTable {
  const next = cloneTable(current);
  const spelling = new Map(next.bounceProfiles.map((p) => [p.toLowerCase(), p]));
  const respell = new Map<string, string>();
  for (const p of imported.bounceProfiles) {
    const known = spelling.get(p.toLowerCase());
    if (known === undefined) {
      next.bounceProfiles.push(p);
      spelling.set(p.toLowerCase(), p);
    } else if (known !== p) respell.set(p, known);
  }
  next.defaults = { ...imported.defaults, bounceProfile: respell.get(imported.defaults.bounceProfile) ?? imported.defaults.bounceProfile };
  if (respell.size === 0) {
    next.entries = imported.entries;
    return next;
  }
  next.entries = new EntryMap();
  for (const [key, e] of imported.entries) {
    const to = e.bounceProfile === DEFAULT ? undefined : respell.get(e.bounceProfile);
    next.entries.set(key, to === undefined ? e : { ...cloneEntry(e), bounceProfile: to });
  }
  return next;
}
