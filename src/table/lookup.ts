// Which row governs a destination, and the effective value of every field after Default inheritance.
// Matching (reference §6, Postfix transport(5)-style): exact entry first, then `.parent` entries from the
// nearest parent up (`.example.com` covers every subdomain of example.com, not example.com itself), then
// the Default row. IP-literal recipients match only their bracketed entry.
import { recipientDestination, isIpDestination } from './domain.js';
import { EntryMap } from './entry-map.js';
import { buildLookupIndex, entryOf, findItem, findRecipientItem, NO_ITEM, NOT_PLAIN, TOO_DEEP, type LookupIndex } from './lookup-index.js';
import type { DestEntry, DestTable } from './types.js';
import { effectiveRow, type EffectiveRow } from './effective.js';
import { cachedRow } from './row-cache.js';

export { effectiveRow, type Effective, type EffectiveRow, type Source } from './effective.js';

/** Candidate keys for a normalised destination, most specific first. */
export function candidateKeys(dest: string): string[] {
  if (isIpDestination(dest)) return [dest];
  const keys = [dest];
  let rest = dest.startsWith('.') ? dest.slice(1) : dest;
  if (dest.startsWith('.')) keys.length = 0;
  for (;;) {
    const dot = rest.indexOf('.');
    if (dot < 0) break;
    keys.push(rest.slice(dot));
    rest = rest.slice(dot + 1);
  }
  return keys;
}

/**
 * The lookup index of a table's entries (lookup-index.ts), or null while Map.get is the better choice: the
 * index is built once a table has had, since its last change, lookups enough to pay for it (building costs
 * about as much as a few Map lookups per entry), so that one `destconfig lookup`, a shell session or a
 * delivery to a few domains never builds it, and a delivery or `lookup()` in bulk uses it. Only an EntryMap
 * can hold an index: its changes drop the index, a plain Map's could not.
 */
function indexOf(entries: Map<string, DestEntry>): LookupIndex | null {
  if (!(entries instanceof EntryMap)) return null;
  if (entries.index) return entries.index;
  if (++entries.lookupsSinceChange < 64 + entries.size / 8) return null;
  entries.index = buildLookupIndex(entries);
  return entries.index;
}

/** The governing entry for a normalised destination, or null when the Default row governs. */
export function findEntry(table: DestTable, dest: string): DestEntry | null {
  const index = indexOf(table.entries);
  if (index) {
    const item = findItem(index, dest, 0);
    if (item !== TOO_DEEP) return item === NO_ITEM ? null : entryOf(index, item);
  }
  return findInMap(table.entries, dest);
}

function findInMap(entries: Map<string, DestEntry>, dest: string): DestEntry | null {
  // The keys of candidateKeys(), tried as they are made (no array).
  if (isIpDestination(dest)) return entries.get(dest) ?? null;
  if (!dest.startsWith('.')) {
    const exact = entries.get(dest);
    if (exact) return exact;
  }
  for (let dot = dest.indexOf('.', 1); dot >= 0; dot = dest.indexOf('.', dot + 1)) {
    const e = entries.get(dest.slice(dot));
    if (e) return e;
  }
  return null;
}

/**
 * Lookup by recipient address or domain. Null when the input has no valid destination. Once the table has
 * its lookup index, the row returned is the entry's cached row (row-cache.ts): frozen, shared by every
 * lookup that entry governs, and the entry itself is frozen from then on (replace entries through the
 * map, as the product does; never change one in place). Treat every row as read-only.
 */
export function lookup(table: DestTable, recipientOrDomain: string): EffectiveRow | null {
  const index = indexOf(table.entries);
  if (index) {
    // A domain part already in normal form is searched in place, in the pass that checks it.
    let item = findRecipientItem(index, recipientOrDomain);
    if (item === NOT_PLAIN) {
      const dest = recipientDestination(recipientOrDomain);
      if (dest === null) return null;
      item = findItem(index, dest, 0);
    }
    if (item !== TOO_DEEP) return cachedRow(index, table.defaults, item);
  }
  const dest = recipientDestination(recipientOrDomain);
  if (dest === null) return null;
  return effectiveRow(table.defaults, findInMap(table.entries, dest));
}
