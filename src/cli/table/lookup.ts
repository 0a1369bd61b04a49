// `destconfig lookup <recipient-or-domain> [--json]`: which row governs a destination (exact entry, else
// the nearest `.parent` entry, else Default; src/table/lookup.ts) and every effective field with where it
// comes from.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { normaliseDestination, recipientDestination } from '../../table/domain.js';
import { effectiveRow, findEntry, type EffectiveRow } from '../../table/lookup.js';
import { homeOf, loadCommitted, out } from './io.js';
import { FIELDS, JSON_SCHEMA_VERSION, detailJson, jsonText, matchKind, type LookupJson } from './view.js';
import { FIELD_LABELS, valueText } from './labels.js';

/** Why an argument names no destination, in the shell's words where they apply. */
function invalidReason(query: string): string {
  const at = query.lastIndexOf('@');
  const domain = (at >= 0 ? query.slice(at + 1) : query).trim();
  if (domain === '') return 'it has no domain.';
  if (domain.startsWith('.')) return 'a leading dot names a parent-domain entry, not a destination.';
  const r = normaliseDestination(domain);
  return r.ok ? 'it is not a recipient address or domain.' : r.error;
}

export function lookupJson(query: string, destination: string, row: EffectiveRow): LookupJson {
  const { fields } = detailJson(row);
  return { schemaVersion: JSON_SCHEMA_VERSION, query, destination, match: matchKind(destination, row.matched), matched: row.matched, fields };
}

export function lookupText(doc: LookupJson): string {
  const governing =
    doc.match === 'exact' ? `${doc.matched} (exact entry)` : doc.match === 'parent' ? `${doc.matched} (nearest parent-domain entry)` : 'the Default row (no entry matches)';
  const rows = FIELDS.map((f) => {
    const { value, source } = doc.fields[f];
    return [`${FIELD_LABELS[f]}:`, valueText(f, value), source === 'entry' ? `from ${doc.matched}` : 'from the Default row'] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1].length)) + 2;
  const lines = [`Destination: ${doc.destination}`, `Governed by: ${governing}`, '', ...rows.map(([a, b, c]) => `${a.padEnd(w0)}${b.padEnd(w1)}${c}`)];
  return lines.join('\n') + '\n';
}

export async function runLookup(query: string, opts: { json?: boolean }, cmd: Command): Promise<void> {
  const destination = recipientDestination(query);
  if (destination === null) throw new CliError(`lookup: ${JSON.stringify(query)} is not a valid recipient or domain: ${invalidReason(query)}`, EXIT.USAGE);
  const { table } = await loadCommitted(homeOf(cmd));
  const doc = lookupJson(query, destination, effectiveRow(table.defaults, findEntry(table, destination)));
  out(opts.json ? jsonText(doc) : lookupText(doc));
}
