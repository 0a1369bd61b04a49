// IMPORT: replaces the Default row, the entries and the bounce profiles with those of an ESA table file
// in `<home>/configuration/` (reference §5.9). The file format, its validation and the path rules belong
// to src/format/shellfiles.ts; a file with any error changes nothing. An empty answer cancels.
import { readTableFile, resolveConfigPath } from '../../format/shellfiles.js';
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
  table.defaults = read.table.defaults;
  table.entries = read.table.entries;
  table.bounceProfiles = read.table.bounceProfiles;
  p.print(`Import completed: ${read.entries} ${read.entries === 1 ? 'entry' : 'entries'} read from "${where.path}".`);
}
