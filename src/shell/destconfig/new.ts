// NEW: create an entry (reference §5.1; the seed transcript walks it with N, N, N, Y, 3, N, N, N).
import { blankEntry } from '../../table/types.js';
import { askText } from '../ask.js';
import type { OpContext } from './context.js';
import { parseNewDestination } from './domain-answer.js';
import { askEntry } from './entry-questions.js';

export async function newEntry(ctx: OpContext): Promise<void> {
  const dest = await askText(ctx.p, 'Enter the domain you wish to configure.', (a) => parseNewDestination(ctx.table, a));
  const entry = await askEntry(ctx.p, ctx.table, blankEntry(dest), true);
  ctx.table.entries.set(dest, entry);
}
