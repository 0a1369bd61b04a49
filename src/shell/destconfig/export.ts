// EXPORT: writes the working table (pending changes included) as an ESA table file in
// `<home>/configuration/` (reference §5.9; format in src/format/shellfiles.ts). An empty answer cancels.
import { writeReason } from '../../format/read.js';
import { resolveConfigPath, writeTableFile } from '../../format/shellfiles.js';
import { askText } from '../ask.js';
import type { OpContext } from './context.js';

export async function exportTable(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const name = await askText(p, 'Enter a name for the exported file:', (a) => ({ ok: true, value: a.trim() }));
  if (name === '') return;
  const where = resolveConfigPath(ctx.home, name);
  p.print();
  if (!where.ok) return p.reject(where.error);
  try {
    await writeTableFile(where.path, table);
  } catch (err) {
    return p.reject(`Export failed: cannot write ${name}: ${writeReason(err, where.path)}.`);
  }
  p.print(`File written on machine "${ctx.hostname}" to the location "${where.path}".`);
  p.print('Export completed.');
}
