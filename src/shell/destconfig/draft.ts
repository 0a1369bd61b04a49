// How a destconfig operation's changes are kept only when it completes, at a cost independent of the table's
// size. The operation works on the session's working table itself; what it changes is journalled so that
// an abandoned operation (Ctrl-C, end of input, an error) can be rolled back:
// - the entries map records, for each key its first change touches, the entry held before (or that there was
//   none); CLEAR records the whole map once, which costs what CLEAR itself costs;
// - the Default row, the global settings and the entries map are replaced, never changed in place, by the
//   operations (DEFAULT, SETUP, IMPORT), so keeping the references they had is enough;
// - the bounce-profile and certificate lists are short and independent of the number of entries: copied.
// Entry objects are never changed in place by an operation (askEntry builds a new one), so none is copied.
// Cloning the whole table before every operation made a scripted session of N operations cost O(N²).
import type { DestEntry, DestTable } from '../../table/types.js';
import { EntryMap } from '../../table/entry-map.js';

/** What was in the map before the operation; `undefined`: the key was absent. */
type Before = DestEntry | undefined;

/** A Map of entries that can journal its changes while an operation runs. Reads are the Map's own. */
export class JournalledEntries extends EntryMap {
  private journal: Map<string, Before> | null = null;
  /** The whole map as it was, when CLEAR ran during the operation. */
  private clearedFrom: [string, DestEntry][] | null = null;

  /** Starts recording changes (the start of an operation). */
  begin(): void {
    this.journal = new Map();
    this.clearedFrom = null;
  }

  /** Keeps the changes and stops recording (the operation completed). */
  keep(): void {
    this.journal = null;
    this.clearedFrom = null;
  }

  /** Puts back what the map held at `begin()` and stops recording. */
  rollBack(): void {
    const journal = this.journal;
    const clearedFrom = this.clearedFrom;
    this.journal = null;
    this.clearedFrom = null;
    if (!journal) return;
    if (clearedFrom) {
      super.clear();
      for (const [k, e] of clearedFrom) super.set(k, e);
      // Changes journalled before the CLEAR are in clearedFrom's state; undo them on top of it.
    }
    for (const [k, before] of journal) {
      if (before === undefined) super.delete(k);
      else super.set(k, before);
    }
  }

  private note(key: string): void {
    if (this.journal && !this.clearedFrom && !this.journal.has(key)) this.journal.set(key, super.get(key));
  }

  override set(key: string, value: DestEntry): this {
    // The constructor's own set() calls run before the fields exist; they record nothing.
    if (this.journal) this.note(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (this.journal) this.note(key);
    return super.delete(key);
  }

  override clear(): void {
    if (this.journal && !this.clearedFrom) this.clearedFrom = [...super.entries()];
    super.clear();
  }
}

/** A running operation's undo record for the session's working table. */
export interface Draft {
  /** The operation completed: its changes stay. */
  keep(): void;
  /** The operation was abandoned: the table is put back as it was at `beginDraft`. */
  rollBack(): void;
}

/**
 * Starts journalling `table` for one operation. The entries map is made a JournalledEntries if it is not one
 * yet (once after a load, a commit or an IMPORT: a copy of the map, no deeper).
 */
export function beginDraft(table: DestTable): Draft {
  const entries = table.entries instanceof JournalledEntries ? table.entries : new JournalledEntries(table.entries);
  table.entries = entries;
  const saved = {
    defaults: table.defaults,
    globals: table.globals,
    bounceProfiles: [...table.bounceProfiles],
    certificates: [...table.certificates],
  };
  entries.begin();
  return {
    keep: () => entries.keep(),
    rollBack: () => {
      entries.rollBack();
      table.entries = entries;
      table.defaults = saved.defaults;
      table.globals = saved.globals;
      table.bounceProfiles = saved.bounceProfiles;
      table.certificates = saved.certificates;
    },
  };
}
