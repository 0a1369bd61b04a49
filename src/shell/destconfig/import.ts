// IMPORT: replaces the Default row and the entries with those of an ESA table file, adding its bounce profiles
// in `<home>/configuration/` (reference §5.9). The file format, its validation and the path rules belong
// to src/format/shellfiles.ts; a file with any error changes nothing. An empty answer cancels.
import { applyImport, readTableFile, resolveConfigPath } from '../../format/shellfiles.js';
import { askText } from '../ask.js';
import type { OpContext } from './context.js';

export async function importTable(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const name = await askText(p, `Enter the name of the file on machine "${ctx.hostname}" to import:`, (a) => ({ ok: true, value: a.trim() }));
  if (name === '') return;
  const where = resolveConfigPath(ctx.home, name);
  p.print();
  if (!where.ok) return p.reject(where.error);
  const read = await readTableFile(where.path);
  if (!read.ok) return p.reject(read.errors.join('\n'));
  // Same rules as `destconfig import`: global settings and known bounce profiles are kept.
  const next = applyImport(table, read.table);
  table.defaults = next.defaults;
  table.entries = next.entries;
  table.bounceProfiles = next.bounceProfiles;
  p.print(`Import completed: ${read.entries} ${read.entries === 1 ? 'entry' : 'entries'} read from "${where.path}".`);
}
