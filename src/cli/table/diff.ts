// What an import would change, in the file's own terms: sections added, removed, and changed key by key
// (`table_tls: on -> require`; `(not set)` for a key the section leaves out). Pure and linear in the
// size of the two tables (Map lookups, one sort of the names, in LIST order).
import { FILE_KEYS, type FileKey } from '../../format/keys.js';
import { compareDestinations } from '../../table/render.js';
import { defaultSettings, entrySettings, sectionName, type Setting } from '../../format/write.js';
import type { DestTable } from '../../table/types.js';

type FileTable = Pick<DestTable, 'defaults' | 'entries'>;

export interface FieldChange {
  key: FileKey;
  /** The value as the file writes it, or null when the section does not set the key. */
  before: string | null;
  after: string | null;
}

export interface TableDiff {
  defaults: FieldChange[];
  added: string[];
  changed: { destination: string; changes: FieldChange[] }[];
  removed: string[];
}

function settingChanges(before: Setting[], after: Setting[]): FieldChange[] {
  const a = new Map(before);
  const b = new Map(after);
  return FILE_KEYS.filter((k) => a.get(k) !== b.get(k)).map((key) => ({ key, before: a.get(key) ?? null, after: b.get(key) ?? null }));
}

export function diffTables(before: FileTable, after: FileTable): TableDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: TableDiff['changed'] = [];
  for (const [key, e] of after.entries) {
    const old = before.entries.get(key);
    if (!old) {
      added.push(key);
      continue;
    }
    const changes = settingChanges(entrySettings(old, before.defaults), entrySettings(e, after.defaults));
    if (changes.length > 0) changed.push({ destination: key, changes });
  }
  for (const key of before.entries.keys()) if (!after.entries.has(key)) removed.push(key);
  added.sort(compareDestinations);
  removed.sort(compareDestinations);
  changed.sort((x, y) => compareDestinations(x.destination, y.destination));
  return { defaults: settingChanges(defaultSettings(before.defaults), defaultSettings(after.defaults)), added, changed, removed };
}

export function isEmptyDiff(d: TableDiff): boolean {
  return d.defaults.length + d.added.length + d.changed.length + d.removed.length === 0;
}

function changeLine(c: FieldChange): string {
  return `${c.key}: ${c.before ?? '(not set)'} -> ${c.after ?? '(not set)'}`;
}

const section = (key: string): string => `[${sectionName(key)}]`;

export function diffText(d: TableDiff): string {
  if (isEmptyDiff(d)) return 'No changes: the file holds the committed table.\n';
  const lines: string[] = [];
  if (d.defaults.length > 0) lines.push('[DEFAULT] changed:', ...d.defaults.map((c) => `    ${changeLine(c)}`));
  if (d.added.length > 0) lines.push(`Added (${d.added.length}):`, ...d.added.map((k) => `  + ${section(k)}`));
  if (d.changed.length > 0) {
    lines.push(`Changed (${d.changed.length}):`);
    for (const c of d.changed) lines.push(`  ~ ${section(c.destination)}`, ...c.changes.map((x) => `      ${changeLine(x)}`));
  }
  if (d.removed.length > 0) lines.push(`Removed (${d.removed.length}):`, ...d.removed.map((k) => `  - ${section(k)}`));
  return lines.join('\n') + '\n';
}
