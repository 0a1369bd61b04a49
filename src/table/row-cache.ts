// The effective rows lookup() returns once a table has its lookup index: one frozen row per entry, built
// on the entry's first lookup and kept in the entry's index slot, and one for the Default row, so that a
// lookup in bulk allocates nothing. Building a row per lookup cost 12 objects each time.
//
// A cached row is returned only while it is still exactly what effectiveRow() would build:
// - the entries map: every change through the map drops the whole index (entry-map.ts), rows with it;
// - the Default row: its values are copied when the rows are built and compared on every lookup (ten
//   comparisons with one object that stays in cache), so a Default row replaced (the shell's DEFAULT,
//   SETUP, IMPORT and rollback replace it) or changed in place (tests do) drops every cached row;
// - an entry changed in place: nothing in the product does (entries are replaced, see
//   shell/destconfig/draft.ts), and an entry is frozen when its row is cached, so that a caller that tried
//   would get a TypeError rather than a stale answer. Checking the entry's fields on every hit instead
//   kept the answers exact too, but it read the entry (a cache miss at 100,000 entries) on every hit: a
//   quarter of the lookups a second at 100,000 entries, a sixth at 10,000.
// Rows share their `{ value, source }` objects: an inherited field is the Default row's own object, and a
// value the entry sets is one frozen object per distinct value and field. A recipient limit the entry
// sets is the entry's own `{ limit, minutes }` object, as in effectiveRow().
import { effectiveRow, type Effective, type EffectiveRow } from './effective.js';
import { cachedOf, clearCached, entryOf, NO_ITEM, setCached, type LookupIndex } from './lookup-index.js';
import { DEFAULT, type DefaultRow, type DestEntry } from './types.js';

/** One map per field (in EffectiveRow's order) from a value an entry sets to its shared frozen object. */
type Leaves = Map<unknown, Effective<unknown>>[];

interface RowCacheState {
  /**
   * The Default row object the rows were built from, and a copy of its values then. Its recipient limit
   * is compared as an object: the rows hold that same object (as effectiveRow's do), so a limit changed
   * inside it shows through them as it would through a fresh row.
   */
  defaults: DefaultRow;
  seen: DefaultRow;
  /** The Default row's effective row: the answer when no entry governs, and the inherited fields' objects. */
  defaultRow: EffectiveRow;
  leaves: Leaves;
}

function sameDefaults(state: RowCacheState, d: DefaultRow): boolean {
  const seen = state.seen;
  return (
    state.defaults === d &&
    seen.ipSortPref === d.ipSortPref &&
    seen.maxConcurrency === d.maxConcurrency &&
    seen.maxMessagesPerConnection === d.maxMessagesPerConnection &&
    seen.recipientLimit === d.recipientLimit &&
    seen.limitType === d.limitType &&
    seen.limitApply === d.limitApply &&
    seen.tls === d.tls &&
    seen.dane === d.dane &&
    seen.bounceVerification === d.bounceVerification &&
    seen.bounceProfile === d.bounceProfile
  );
}

function newState(d: DefaultRow): RowCacheState {
  const defaultRow = effectiveRow(d, null);
  for (const v of Object.values(defaultRow)) if (v !== null && typeof v === 'object') Object.freeze(v);
  return {
    defaults: d,
    seen: { ...d },
    defaultRow: Object.freeze(defaultRow),
    leaves: Array.from({ length: 10 }, () => new Map()),
  };
}

function leaf<T>(leaves: Leaves, field: number, value: T): Effective<T> {
  const memo = leaves[field] as Map<unknown, Effective<unknown>>;
  let shared = memo.get(value);
  if (shared === undefined) {
    shared = Object.freeze({ value, source: 'entry' as const });
    memo.set(value, shared);
  }
  return shared as Effective<T>;
}

/** effectiveRow(defaults, e), frozen, from shared field objects. */
function sharedRow(state: RowCacheState, e: DestEntry): EffectiveRow {
  const dr = state.defaultRow;
  const m = state.leaves;
  return Object.freeze({
    matched: e.destination,
    ipSortPref: e.ipSortPref === DEFAULT ? dr.ipSortPref : leaf(m, 0, e.ipSortPref),
    maxConcurrency: e.maxConcurrency === DEFAULT ? dr.maxConcurrency : leaf(m, 1, e.maxConcurrency),
    maxMessagesPerConnection: e.maxMessagesPerConnection === DEFAULT ? dr.maxMessagesPerConnection : leaf(m, 2, e.maxMessagesPerConnection),
    recipientLimit: e.recipientLimit === DEFAULT ? dr.recipientLimit : leaf<DefaultRow['recipientLimit']>(m, 3, e.recipientLimit),
    limitType: e.limitType === DEFAULT ? dr.limitType : leaf(m, 4, e.limitType),
    limitApply: e.limitApply === DEFAULT ? dr.limitApply : leaf(m, 5, e.limitApply),
    tls: e.tls === DEFAULT ? dr.tls : leaf(m, 6, e.tls),
    dane: e.dane === DEFAULT ? dr.dane : leaf(m, 7, e.dane),
    bounceVerification: e.bounceVerification === DEFAULT ? dr.bounceVerification : leaf(m, 8, e.bounceVerification),
    bounceProfile: e.bounceProfile === DEFAULT ? dr.bounceProfile : leaf(m, 9, e.bounceProfile),
  });
}

/** The effective row for an item of the index (NO_ITEM: the Default row's), from the cache when it is current. */
export function cachedRow(index: LookupIndex, defaults: DefaultRow, item: number): EffectiveRow {
  let state = index.callerState as RowCacheState | null;
  if (state === null || !sameDefaults(state, defaults)) {
    if (state !== null) clearCached(index);
    state = newState(defaults);
    index.callerState = state;
  }
  if (item === NO_ITEM) return state.defaultRow;
  let row = cachedOf(index, item) as EffectiveRow | undefined;
  if (row === undefined) {
    const e = entryOf(index, item);
    // The row now stands for the entry's values: the entry may no longer change under it (see above).
    Object.freeze(e);
    row = sharedRow(state, e);
    setCached(index, item, row);
  }
  return row;
}
