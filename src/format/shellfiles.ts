// TEMPORARY STUB (replaced by the table-files work): what the shell's IMPORT and EXPORT operations call.
import type { DestTable } from '../table/types.js';

/** What a table file holds: the Default row, the entries and the bounce profiles they name. */
export type ImportedTable = Pick<DestTable, 'defaults' | 'entries' | 'bounceProfiles'>;

/**
 * Resolves a file name typed at the shell's IMPORT/EXPORT prompt inside `<home>/configuration/`.
 * Names that try to leave that folder (`../`, absolute paths) are refused, as on the appliance.
 */
export function resolveConfigPath(_home: string, _name: string): { ok: true; path: string } | { ok: false; error: string } {
  return { ok: false, error: 'IMPORT and EXPORT are not available yet.' };
}

/** Reads and validates a table file: all-or-nothing, every error as `FILE:LINE: [section] key: what is wrong`. */
export async function readTableFile(_file: string): Promise<{ ok: true; table: ImportedTable; entries: number } | { ok: false; errors: string[] }> {
  return { ok: false, errors: ['IMPORT is not available yet.'] };
}

/** Writes the table in the ESA file format, atomically. */
export async function writeTableFile(_file: string, _table: DestTable, _now?: Date): Promise<void> {
  throw new Error('EXPORT is not available yet.');
}
