// A canonical text of a whole table, to tell whether two tables are the same: the shell's pending changes
// (src/shell/session.ts) and an import that would change nothing (src/cli/table/import.ts).
import { compareDestinations } from './render.js';
import type { DestTable } from './types.js';

/** A canonical text of a table: equal tables give equal text whatever the entry insertion order. */
export function fingerprint(t: DestTable): string {
  const entries = [...t.entries.values()].sort((a, b) => compareDestinations(a.destination, b.destination));
  return stableStringify([t.defaults, entries, t.globals, [...t.bounceProfiles].sort(), t.certificates]);
}

/** JSON with object keys sorted, so two objects built in a different key order compare equal. */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
