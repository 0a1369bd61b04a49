// The state of one shell session: the committed table it started from (and its revision) and the working
// copy that destconfig operations change. Changes are pending until `commit`, as on the appliance
// (reference §2.3); `clearchanges` goes back to the committed table.
import { cloneTable, type DestTable } from '../table/types.js';
import { fingerprint } from '../table/fingerprint.js';
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
