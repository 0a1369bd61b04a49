// Deterministic tables for the store tests: the content of revision r is a function of r, so a table
// read back after a crash can be checked for being one whole revision (never a mix of two).
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../../src/table/types.js';

export function tableForRevision(revision: number, size: number): DestTable {
  const t = emptyTable();
  t.defaults.maxMessagesPerConnection = (revision % 1000) + 1;
  for (let i = 0; i < size; i++) {
    const e = blankEntry(`d${i}.example`);
    e.maxConcurrency = ((revision + i) % 1000) + 1;
    t.entries.set(e.destination, e);
  }
  return t;
}

/** Entries in a fixed order, so tables compare equal whatever order their Map was filled in. */
export function canonical(t: DestTable): Omit<DestTable, 'entries'> & { entries: DestEntry[] } {
  return { ...t, entries: [...t.entries.values()].sort((a, b) => (a.destination < b.destination ? -1 : 1)) };
}
