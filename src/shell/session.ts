// The state of one shell session: the committed table it started from (and its revision) and the working
// copy that destconfig operations change. Changes are pending until `commit`, as on the appliance
// (reference §2.3); `clearchanges` goes back to the committed table.
import { cloneTable, type DestTable } from '../table/types.js';
import { compareDestinations } from '../table/render.js';
import type { Prompter } from './prompt.js';

export interface SessionOptions {
  home: string;
  hostname: string;
  /** `form`: NEW, EDIT, DEFAULT and SETUP run as terminal forms (src/shell/form/). */
  ui?: 'esa' | 'form';
}

export class Session {
  /** The working table: committed table plus this session's pending changes. */
  table: DestTable;
  private committed: DestTable;
  private committedFingerprint: string;

  constructor(
    readonly p: Prompter,
    readonly opts: SessionOptions,
    table: DestTable,
    /** Revision of the committed table this session's changes are based on. */
    public baseRevision: number,
  ) {
    this.committed = cloneTable(table);
    this.committedFingerprint = fingerprint(table);
    this.table = cloneTable(table);
  }

  /** True when the working table differs from the committed one. */
  hasChanges(): boolean {
    return fingerprint(this.table) !== this.committedFingerprint;
  }

  /** The working table becomes the committed state at `revision` (after a successful commit or a reload). */
  markCommitted(table: DestTable, revision: number): void {
    this.committed = cloneTable(table);
    this.committedFingerprint = fingerprint(table);
    this.table = cloneTable(table);
    this.baseRevision = revision;
  }

  /** A copy of the table as it was last committed or loaded. */
  committedTable(): DestTable {
    return cloneTable(this.committed);
  }
}

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
