// `destconfig detail <destination|default|all> [--json]`: every field of a row with its effective value
// and whether it is inherited, as the shell's DETAIL shows it, or as JSON.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { normaliseDestination } from '../../table/domain.js';
import { effectiveRow } from '../../table/lookup.js';
import type { DestTable } from '../../table/types.js';
import { sortedEntries } from '../../format/write.js';
import { notFoundMessage, renderDetail } from '../../table/render.js';
import { homeOf, loadCommitted, out } from './io.js';
import { JSON_SCHEMA_VERSION, detailJson, jsonText, type DetailAllJson, type DetailJson } from './view.js';

/** `default`, `all` (any case) or a normalised destination; a bad destination is a usage error. */
export function parseWhich(arg: string): 'default' | 'all' | { destination: string } {
  const word = arg.trim().toLowerCase();
  if (word === 'default' || word === 'all') return word;
  const r = normaliseDestination(arg);
  if (!r.ok) throw new CliError(`detail: ${r.error}`, EXIT.USAGE);
  return { destination: r.value };
}

export function detailAllJson(table: DestTable): DetailAllJson {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    default: detailJson(effectiveRow(table.defaults, null)),
    entries: sortedEntries(table).map((e) => detailJson(effectiveRow(table.defaults, e))),
  };
}

export async function runDetail(arg: string, opts: { json?: boolean }, cmd: Command): Promise<void> {
  const which = parseWhich(arg);
  const { table } = await loadCommitted(homeOf(cmd));
  let doc: DetailJson | DetailAllJson;
  if (which === 'all') doc = detailAllJson(table);
  else if (which === 'default') doc = { schemaVersion: JSON_SCHEMA_VERSION, ...detailJson(effectiveRow(table.defaults, null)) };
  else {
    const entry = table.entries.get(which.destination);
    if (!entry) throw new CliError(`detail: ${notFoundMessage(which.destination)}`, EXIT.USAGE);
    doc = { schemaVersion: JSON_SCHEMA_VERSION, ...detailJson(effectiveRow(table.defaults, entry)) };
  }
  if (opts.json) {
    out(jsonText(doc));
    return;
  }
  // The shell's DETAIL text, so that the command line and the shell show the same thing.
  out(renderDetail(table, typeof which === 'string' ? which : which.destination));
}
