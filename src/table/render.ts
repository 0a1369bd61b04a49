// LIST and DETAIL text of the destination-controls table. Pure: the shell's LIST/DETAIL operations and the
// `destconfig list` / `destconfig detail` commands print exactly these strings.
//
// LIST follows the seed transcript's layout: a first header line with `Rate`, `Bounce`, `Bounce` and
// `IP Version` over their columns, the column names, a dashed rule, one row per entry and `(Default)` last.
// Its values are the seed's short forms: `Default` for a field that follows the Default row, TLS `On`/`Off`
// (the seed lists a Required entry as `On`), Rate Limiting `On` when the row sets any limit.
// DETAIL shows every field with its effective value; an inherited one reads `Default (value)`.
import { effectiveRow, type Effective } from './lookup.js';
import { DANE_LABELS, IP_SORT_LABELS, IP_SORT_SHORT, LIMIT_APPLY_LABELS, LIMIT_TYPE_LABELS, TLS_LABELS, withThousands } from './fields.js';
import { DEFAULT, type DefaultRow, type DestEntry, type DestTable, type RecipientLimit } from './types.js';

/** The label LIST and DETAIL give the Default row. */
export const DEFAULT_ROW_LABEL = '(Default)';

/**
 * Stable display order of destinations: domain names alphabetically (an exact domain before its
 * `.domain` subdomain entry), then IPv4 literals, then IPv6 literals.
 */
export function compareDestinations(a: string, b: string): number {
  const rank = (d: string): number => (!d.startsWith('[') ? 0 : d.includes(':') ? 2 : 1);
  const bare = (d: string): string => (d.startsWith('.') ? d.slice(1) : d);
  const dotted = (d: string): number => (d.startsWith('.') ? 1 : 0);
  return rank(a) - rank(b) || cmp(bare(a), bare(b)) || dotted(a) - dotted(b);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries in display order. */
export function sortedEntries(table: DestTable): DestEntry[] {
  return [...table.entries.values()].sort((a, b) => compareDestinations(a.destination, b.destination));
}

const onOff = (b: boolean): string => (b ? 'On' : 'Off');
const profileShort = (name: string): string => (name === 'Default' ? DEFAULT_ROW_LABEL : name);

function listRow(e: DestEntry): string[] {
  const setsLimit = e.maxConcurrency !== DEFAULT || e.maxMessagesPerConnection !== DEFAULT || e.recipientLimit !== DEFAULT;
  return [
    e.destination,
    setsLimit ? 'On' : 'Default',
    e.tls === DEFAULT ? 'Default' : onOff(e.tls !== 'no'),
    e.bounceVerification === DEFAULT ? 'Default' : onOff(e.bounceVerification),
    e.bounceProfile === DEFAULT ? 'Default' : profileShort(e.bounceProfile),
    e.ipSortPref === DEFAULT ? 'Default' : IP_SORT_SHORT[e.ipSortPref],
  ];
}

function defaultListRow(d: DefaultRow): string[] {
  return [DEFAULT_ROW_LABEL, 'On', onOff(d.tls !== 'no'), onOff(d.bounceVerification), profileShort(d.bounceProfile), IP_SORT_SHORT[d.ipSortPref]];
}

const LIST_HEAD_TOP = ['', 'Rate', '', 'Bounce', 'Bounce', 'IP Version'];
const LIST_HEAD = ['Domain', 'Limiting', 'TLS', 'Verification', 'Profile', 'Preference'];
const GAP = '  ';

/** The LIST table, newline-terminated. */
export function renderList(table: DestTable): string {
  const rows = [...sortedEntries(table).map(listRow), defaultListRow(table.defaults)];
  // A loop, not Math.max(...rows): spreading 200,000 values overflows the call stack.
  const widths = LIST_HEAD.map((h, i) => {
    let w = Math.max(h.length, (LIST_HEAD_TOP[i] ?? '').length);
    for (const r of rows) w = Math.max(w, (r[i] ?? '').length);
    return w;
  });
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(GAP).trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join(GAP);
  return [line(LIST_HEAD_TOP), line(LIST_HEAD), rule, ...rows.map(line)].join('\n') + '\n';
}

function recipientText(r: RecipientLimit | null): string {
  return r === null ? 'No Limit' : `${withThousands(r.limit)} per ${r.minutes} minute${r.minutes === 1 ? '' : 's'}`;
}

/** `value` for a field the row sets, `Default (value)` for one inherited from the Default row. */
function shown<T>(f: Effective<T>, text: (v: T) => string, isDefaultRow: boolean): string {
  const t = text(f.value);
  if (isDefaultRow || f.source === 'entry') return t;
  return t === 'Default' ? 'Default' : `Default (${t})`;
}

function detailBlock(table: DestTable, entry: DestEntry | null): string {
  const eff = effectiveRow(table.defaults, entry);
  const isDefaultRow = entry === null;
  const field = <T>(label: string, f: Effective<T>, text: (v: T) => string): string => `    ${label}: ${shown(f, text, isDefaultRow)}`;
  return [
    entry ? entry.destination : DEFAULT_ROW_LABEL,
    field('IP Address Preference', eff.ipSortPref, (v) => IP_SORT_LABELS[v]),
    field('Maximum Concurrent Connections', eff.maxConcurrency, withThousands),
    field('Maximum Messages Per Connection', eff.maxMessagesPerConnection, withThousands),
    field('Recipient Limit', eff.recipientLimit, recipientText),
    field('Apply Limits Per Destination', eff.limitType, (v) => LIMIT_TYPE_LABELS[v]),
    field('Apply Limits Per ESA Hostname', eff.limitApply, (v) => LIMIT_APPLY_LABELS[v]),
    field('TLS Support', eff.tls, (v) => TLS_LABELS[v]),
    field('DANE Support', eff.dane, (v) => DANE_LABELS[v]),
    field('Bounce Verification Address Tagging', eff.bounceVerification, (v) => (v ? 'Yes' : 'No')),
    field('Bounce Profile', eff.bounceProfile, (v) => v),
  ].join('\n');
}

/** DETAIL names a destination the table does not hold. */
export class EntryNotFoundError extends Error {
  constructor(readonly destination: string) {
    super(notFoundMessage(destination));
    this.name = 'EntryNotFoundError';
  }
}

/** The appliance's wording when EDIT, DELETE or DETAIL names a domain without an entry (reference §2.2). */
export function notFoundMessage(destination: string): string {
  return `The domain "${destination}" was not found in the destination control table.`;
}

/**
 * DETAIL text, newline-terminated. `which` is a normalised destination key, `default` (the Default row) or
 * `all` (every entry in LIST order, then the Default row, blocks separated by a blank line).
 * Throws EntryNotFoundError for a destination without an entry.
 */
export function renderDetail(table: DestTable, which: string): string {
  if (which === 'all') {
    return [...sortedEntries(table).map((e) => detailBlock(table, e)), detailBlock(table, null)].join('\n\n') + '\n';
  }
  if (which === 'default') return detailBlock(table, null) + '\n';
  const entry = table.entries.get(which);
  if (!entry) throw new EntryNotFoundError(which);
  return detailBlock(table, entry) + '\n';
}
