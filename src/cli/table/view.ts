// The JSON shapes of `list --json`, `detail --json` and `lookup --json` (documented in docs/cli.md; stable:
// fields are only ever added), and the field names and labels the text outputs share.
import type { EffectiveRow } from '../../table/lookup.js';
import type { DefaultRow, DestEntry, DestTable } from '../../table/types.js';
import { compareDestinations } from '../../table/render.js';

/** Bumped only on an incompatible change to any of the shapes below. */
export const JSON_SCHEMA_VERSION = 1;

/** Fields in the order every output lists them (the order of the shell's dialogue and DETAIL). */
export const FIELDS = [
  'ipSortPref',
  'maxConcurrency',
  'maxMessagesPerConnection',
  'recipientLimit',
  'limitType',
  'limitApply',
  'tls',
  'dane',
  'bounceVerification',
  'bounceProfile',
] as const satisfies readonly (keyof DefaultRow & keyof DestEntry & keyof EffectiveRow)[];
export type Field = (typeof FIELDS)[number];

/** The Default row: every field concrete (`recipientLimit: null` is "No Limit"). */
export type DefaultRowJson = DefaultRow;
/** An entry as stored: each field a value or the string "default" (inherit from the Default row). */
export type EntryJson = DestEntry;

export interface ListJson {
  schemaVersion: number;
  default: DefaultRowJson;
  /** In the order LIST shows them and EXPORT writes them (src/table/render.ts compareDestinations). */
  entries: EntryJson[];
}

export interface FieldJson<T = unknown> {
  value: T;
  /** "entry": the row itself sets the value; "default": inherited from the Default row. */
  source: 'entry' | 'default';
}

export interface DetailJson {
  /** The entry's normalised key, or "default" for the Default row. */
  destination: string;
  fields: Record<Field, FieldJson>;
}

export interface DetailAllJson {
  schemaVersion: number;
  default: DetailJson;
  entries: DetailJson[];
}

export interface LookupJson {
  schemaVersion: number;
  /** The argument as given. */
  query: string;
  /** The normalised destination it names (`example.com`, `[192.0.2.1]`). */
  destination: string;
  /** "exact": an entry for the destination itself; "parent": the nearest `.parent` entry; "default": none. */
  match: 'exact' | 'parent' | 'default';
  /** Key of the governing entry, or null when the Default row governs. */
  matched: string | null;
  fields: Record<Field, FieldJson>;
}

/** A copy holding exactly the FIELDS, in FIELDS order (JSON key order is part of the stable shape). */
function ordered<R extends { [F in Field]: unknown }>(row: R): Pick<R, Field> {
  return Object.fromEntries(FIELDS.map((f) => [f, row[f]])) as Pick<R, Field>;
}

export function defaultRowJson(d: DefaultRow): DefaultRowJson {
  return ordered(d);
}

export function entryJson(e: DestEntry): EntryJson {
  return { destination: e.destination, ...ordered(e) };
}

export function listJson(table: Pick<DestTable, 'defaults' | 'entries'>): ListJson {
  return { schemaVersion: JSON_SCHEMA_VERSION, default: defaultRowJson(table.defaults), entries: [...table.entries.values()].sort((a, b) => compareDestinations(a.destination, b.destination)).map(entryJson) };
}

export function detailJson(row: EffectiveRow): DetailJson {
  return { destination: row.matched ?? 'default', fields: ordered(row) as DetailJson['fields'] };
}

export function matchKind(destination: string, matched: string | null): LookupJson['match'] {
  return matched === null ? 'default' : matched === destination ? 'exact' : 'parent';
}

/** One JSON document per command, two-space indented, ending with a newline. */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
