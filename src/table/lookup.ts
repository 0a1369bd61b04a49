// Which row governs a destination, and the effective value of every field after Default inheritance.
// Matching (reference §6, Postfix transport(5)-style): exact entry first, then `.parent` entries from the
// nearest parent up (`.example.com` covers every subdomain of example.com, not example.com itself), then
// the Default row. IP-literal recipients match only their bracketed entry.
import { plainDomainStart, recipientDestination, isIpDestination } from './domain.js';
import { EntryMap } from './entry-map.js';
import { buildLookupIndex, findInIndex, type LookupIndex } from './lookup-index.js';
import { DEFAULT, type DefaultRow, type DestEntry, type DestTable } from './types.js';

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
  return findEntryAt(table, dest, 0);
}

/** findEntry for the destination s[start..] (the domain part of an address, without slicing it out). */
function findEntryAt(table: DestTable, s: string, start: number): DestEntry | null {
  const index = indexOf(table.entries);
  if (index) {
    const found = findInIndex(index, s, start);
    if (found !== undefined) return found;
  }
  return findInMap(table.entries, start === 0 ? s : s.slice(start));
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

export type Source = 'entry' | 'default';

export interface Effective<T> {
  value: T;
  /** 'entry' when the governing entry sets the field; 'default' when inherited from the Default row. */
  source: Source;
}

export interface EffectiveRow {
  /** The key of the governing entry, or null when the Default row governs. */
  matched: string | null;
  ipSortPref: Effective<DefaultRow['ipSortPref']>;
  maxConcurrency: Effective<number>;
  maxMessagesPerConnection: Effective<number>;
  recipientLimit: Effective<DefaultRow['recipientLimit']>;
  limitType: Effective<DefaultRow['limitType']>;
  limitApply: Effective<DefaultRow['limitApply']>;
  tls: Effective<DefaultRow['tls']>;
  dane: Effective<DefaultRow['dane']>;
  bounceVerification: Effective<boolean>;
  bounceProfile: Effective<string>;
}

function pick<T>(own: T | typeof DEFAULT, inherited: T): Effective<T> {
  return own === DEFAULT ? { value: inherited, source: 'default' } : { value: own, source: 'entry' };
}

/** Effective values of an entry (or of the Default row when `entry` is null). */
export function effectiveRow(defaults: DefaultRow, entry: DestEntry | null): EffectiveRow {
  const e = entry;
  const d = defaults;
  if (!e) {
    const dflt = <T>(value: T): Effective<T> => ({ value, source: 'default' });
    return {
      matched: null,
      ipSortPref: dflt(d.ipSortPref),
      maxConcurrency: dflt(d.maxConcurrency),
      maxMessagesPerConnection: dflt(d.maxMessagesPerConnection),
      recipientLimit: dflt(d.recipientLimit),
      limitType: dflt(d.limitType),
      limitApply: dflt(d.limitApply),
      tls: dflt(d.tls),
      dane: dflt(d.dane),
      bounceVerification: dflt(d.bounceVerification),
      bounceProfile: dflt(d.bounceProfile),
    };
  }
  return {
    matched: e.destination,
    ipSortPref: pick(e.ipSortPref, d.ipSortPref),
    maxConcurrency: pick(e.maxConcurrency, d.maxConcurrency),
    maxMessagesPerConnection: pick(e.maxMessagesPerConnection, d.maxMessagesPerConnection),
    recipientLimit: pick<DefaultRow['recipientLimit']>(e.recipientLimit, d.recipientLimit),
    limitType: pick(e.limitType, d.limitType),
    limitApply: pick(e.limitApply, d.limitApply),
    tls: pick(e.tls, d.tls),
    dane: pick(e.dane, d.dane),
    bounceVerification: pick(e.bounceVerification, d.bounceVerification),
    bounceProfile: pick(e.bounceProfile, d.bounceProfile),
  };
}

/** Lookup by recipient address or domain. Null when the input has no valid destination. */
export function lookup(table: DestTable, recipientOrDomain: string): EffectiveRow | null {
  // A domain part already in normal form (recipientDestination's fast path) is searched in place.
  const start = plainDomainStart(recipientOrDomain);
  if (start >= 0) return effectiveRow(table.defaults, findEntryAt(table, recipientOrDomain, start));
  const dest = recipientDestination(recipientOrDomain);
  if (dest === null) return null;
  return effectiveRow(table.defaults, findEntryAt(table, dest, 0));
}
