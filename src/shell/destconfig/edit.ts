// EDIT: the NEW questions for an existing entry, its current values as the bracketed defaults (reference §5.2).
import type { OpContext } from './context.js';
import { askExistingEntry } from './domain-answer.js';
import { askEntry } from './entry-questions.js';

export async function editEntry(ctx: OpContext): Promise<void> {
  const entry = await askExistingEntry(ctx.p, ctx.table, 'edit');
  if (!entry) return;
  ctx.table.entries.set(entry.destination, await askEntry(ctx.p, ctx.table, entry, false));
}
