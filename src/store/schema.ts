// The persisted form of the table (`destconfig.json`, schema 1) and its conversion to and from the model.
// Pure: no I/O. The loader and the committer run the same checks, so a table that commit writes always
// loads back, and a hand-edited file is checked field by field instead of trusted.
//
// Layout: the header and small sections pretty-printed, then `entries` sorted by destination, one entry
// per line, so the file is byte-stable for a given table, diffs line by line, and stays compact for
// 100,000 entries. The layout also lets a file be written and read an entry at a time (read.ts,
// commit.ts), so 100,000 entries never exist as one string plus one parsed document at once.
import { DEFAULT, type CertificateProfile, type DefaultRow, type DestEntry, type DestTable } from '../table/types.js';
import { EntryMap } from '../table/entry-map.js';
import {
  CERTIFICATE_KEYS,
  DocProblem,
  GLOBAL_CHECKS,
  GLOBAL_KEYS,
  ROW_CHECKS,
  ROW_KEYS,
  checkDefaultField,
  checkDestination,
  checkEntryField,
  checkKeys,
  describeValue,
  isPlainObject,
} from './validate.js';

/** The schema this version writes and the newest it reads. */
export const SCHEMA_VERSION = 1;

const DOC_KEYS = [
  'schema',
  'revision',
  'committedAt',
  'comment',
  'defaults',
  'globals',
  'bounceProfiles',
  'certificates',
  'entries',
] as const;
const ENTRY_KEYS = ['destination', ...ROW_KEYS] as const;

export interface TableMeta {
  /** 0 for factory defaults (no file yet); each commit adds one. */
  revision: number;
  /** When the revision was committed; null for factory defaults. */
  committedAt: Date | null;
  /** The operator's commit comment. */
  comment: string;
}

export interface ParsedTable extends TableMeta {
  table: DestTable;
}

/** Turns a parsed document into a table after checking every part of it. */
export function docToTable(doc: unknown): ParsedTable {
  if (!isPlainObject(doc)) throw new DocProblem('', `the file must hold a JSON object (found ${describeValue(doc)})`);
  checkSchema(doc.schema);
  const d = checkKeys('', doc, DOC_KEYS);
  const revision = d.revision;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new DocProblem('revision', `must be a whole number, 0 or more (found ${describeValue(revision)})`);
  }
  const committedAt = parseCommittedAt(d.committedAt);
  if (typeof d.comment !== 'string') throw new DocProblem('comment', `must be a string (found ${describeValue(d.comment)})`);

  const bounceProfiles = parseBounceProfiles(d.bounceProfiles);
  const profileNames = profileNamesOf(bounceProfiles);
  const certificates = parseCertificates(d.certificates);

  const defaults = checkKeys('defaults', d.defaults, ROW_KEYS) as unknown as DefaultRow;
  for (const key of ROW_KEYS) {
    const why = checkDefaultField(key, defaults[key]);
    if (why) throw new DocProblem(`defaults.${key}`, why);
  }
  checkProfileExists('defaults.bounceProfile', defaults.bounceProfile, profileNames);

  const globals = checkKeys('globals', d.globals, GLOBAL_KEYS);
  for (const key of GLOBAL_KEYS) {
    const why = GLOBAL_CHECKS[key](globals[key]);
    if (why) throw new DocProblem(`globals.${key}`, why);
  }
  if (globals.certificate !== 'Demo' && !certificates.some((c) => c.name === globals.certificate)) {
    throw new DocProblem(
      'globals.certificate',
      `names the certificate profile ${describeValue(globals.certificate)}, which is neither "Demo" nor one of "certificates"`,
    );
  }

  const entries = parseEntries(d.entries, profileNames);
  const table: DestTable = {
    defaults,
    entries,
    globals: globals as unknown as DestTable['globals'],
    bounceProfiles,
    certificates,
  };
  return { table, revision, committedAt, comment: d.comment };
}

function checkSchema(schema: unknown): void {
  if (schema === undefined) {
    throw new DocProblem('', 'the file has no "schema" number: it is not a destconfig table file');
  }
  if (typeof schema !== 'number' || !Number.isSafeInteger(schema) || schema < 1) {
    throw new DocProblem('schema', `must be a whole number from 1 (found ${describeValue(schema)})`);
  }
  if (schema > SCHEMA_VERSION) {
    throw new DocProblem(
      'schema',
      `the file was written by a newer destconfig (table schema ${schema}; this version reads schema ` +
        `${SCHEMA_VERSION}). Upgrade destconfig to use this table`,
    );
  }
}

function parseCommittedAt(v: unknown): Date | null {
  if (v === null) return null;
  const at = typeof v === 'string' ? new Date(v) : null;
  if (!at || Number.isNaN(at.getTime())) {
    throw new DocProblem('committedAt', `must be a date and time such as "2026-01-31T12:00:00.000Z", or null (found ${describeValue(v)})`);
  }
  return at;
}

function parseBounceProfiles(v: unknown): string[] {
  if (!Array.isArray(v)) throw new DocProblem('bounceProfiles', `must be a list of names (found ${describeValue(v)})`);
  const seen = new Set<string>();
  v.forEach((name: unknown, i) => {
    const where = `bounceProfiles[${i}]`;
    const why = ROW_CHECKS.bounceProfile(name);
    if (why) throw new DocProblem(where, why);
    const s = name as string;
    if (s.toLowerCase() === DEFAULT) throw new DocProblem(where, `${describeValue(s)} is reserved for the system profile; do not list it`);
    if (seen.has(s)) throw new DocProblem(where, `${describeValue(s)} is listed twice`);
    seen.add(s);
  });
  return v as string[];
}

function parseCertificates(v: unknown): CertificateProfile[] {
  if (!Array.isArray(v)) throw new DocProblem('certificates', `must be a list (found ${describeValue(v)})`);
  const seen = new Set<string>(['Demo']);
  return v.map((item: unknown, i) => {
    const where = `certificates[${i}]`;
    const c = checkKeys(where, item, CERTIFICATE_KEYS);
    for (const key of CERTIFICATE_KEYS) {
      if (typeof c[key] !== 'string' || c[key] === '') {
        throw new DocProblem(`${where}.${key}`, `must be a non-empty string (found ${describeValue(c[key])})`);
      }
    }
    const name = c.name as string;
    if (seen.has(name)) throw new DocProblem(`${where}.name`, `${describeValue(name)} is already used by another certificate profile`);
    seen.add(name);
    return c as unknown as CertificateProfile;
  });
}

function parseEntries(v: unknown, profileNames: ReadonlySet<string>): Map<string, DestEntry> {
  if (!Array.isArray(v)) throw new DocProblem('entries', `must be a list (found ${describeValue(v)})`);
  const entries = new EntryMap();
  for (let i = 0; i < v.length; i++) {
    const e = checkEntry(v[i], i, profileNames, (d) => entries.has(d));
    entries.set(e.destination, e);
  }
  return entries;
}

/**
 * Checks the entry at `entries[i]` (`listed` tells whether its destination came earlier in the list).
 * Shared by the loader and by the committer's entry-by-entry load-back check.
 */
export function checkEntry(
  item: unknown,
  i: number,
  profileNames: ReadonlySet<string>,
  listed: (destination: string) => boolean,
): DestEntry {
  const label = isPlainObject(item) && typeof item.destination === 'string' ? ` (${describeValue(item.destination)})` : '';
  const where = `entries[${i}]${label}`;
  const e = checkKeys(where, item, ENTRY_KEYS) as unknown as DestEntry;
  const badDest = checkDestination(e.destination);
  if (badDest) throw new DocProblem(where, badDest);
  if (listed(e.destination)) throw new DocProblem(where, `the destination is listed twice`);
  for (const key of ROW_KEYS) {
    const why = checkEntryField(key, e[key]);
    if (why) throw new DocProblem(`${where}.${key}`, why);
  }
  if (e.bounceProfile !== DEFAULT) checkProfileExists(`${where}.bounceProfile`, e.bounceProfile, profileNames);
  return e;
}

/** The bounce profile names a row may name: the system one and the table's own. */
export function profileNamesOf(bounceProfiles: readonly string[]): Set<string> {
  return new Set(['Default', ...bounceProfiles]);
}

function checkProfileExists(where: string, name: string, known: ReadonlySet<string>): void {
  if (!known.has(name)) {
    throw new DocProblem(where, `names the bounce profile ${describeValue(name)}, which is neither "Default" nor one of "bounceProfiles"`);
  }
}

/**
 * The document of a table without its entries (those are written line by line, see entryText). Copies
 * only the fields the store knows and refuses any other (a field added to the model but not to the store
 * must fail loudly, not vanish).
 */
export function tableHead(table: DestTable, meta: TableMeta): Record<string, unknown> {
  return {
    schema: SCHEMA_VERSION,
    revision: meta.revision,
    committedAt: meta.committedAt ? meta.committedAt.toISOString() : null,
    comment: meta.comment,
    defaults: rowCopy('defaults', table.defaults, ROW_KEYS),
    globals: { ...checkKeys('globals', table.globals, GLOBAL_KEYS) },
    bounceProfiles: [...table.bounceProfiles],
    certificates: table.certificates.map((c, i) => ({ ...checkKeys(`certificates[${i}]`, c, CERTIFICATE_KEYS) })),
  };
}

/** The JSON of the entry stored under `key`, its fields in the schema's order. */
export function entryText(key: string, e: unknown): string {
  if (!isPlainObject(e) || e.destination !== key) {
    throw new DocProblem(`entries "${key}"`, `the entry under this key has destination ${describeValue(isPlainObject(e) ? e.destination : e)}`);
  }
  return JSON.stringify(rowCopy(`entries "${key}"`, e, ENTRY_KEYS));
}

/** A row with its keys in the schema's order and its recipient limit copied. */
function rowCopy(where: string, row: object, keys: readonly string[]): Record<string, unknown> {
  const src = checkKeys(where, row, keys);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = src[k];
    out[k] = isPlainObject(v) ? { ...v } : v;
  }
  return out;
}

/**
 * The file text of a head document and its entries' JSON, in pieces: pretty header, one entry per line.
 * The pieces are written in order as the entry lines come (src/store/write.ts), never joined into one
 * string.
 */
export function* fileTextPieces(head: Record<string, unknown>, entryLines: Iterable<string>): Generator<string> {
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  let previous: string | undefined;
  for (const line of entryLines) {
    yield previous === undefined ? `${headText},\n  "entries": [\n` : `    ${previous},\n`;
    previous = line;
  }
  yield previous === undefined ? `${headText},\n  "entries": []\n}\n` : `    ${previous}\n  ]\n}\n`;
}
