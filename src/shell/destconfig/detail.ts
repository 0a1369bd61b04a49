// DETAIL: one entry, the Default row ("default") or everything ("all"), every field with its effective
// value (reference §5.6; layout in src/table/render.ts).
import { normaliseDestination } from '../../table/domain.js';
import type { Parsed } from '../../table/fields.js';
import { notFoundMessage, renderDetail } from '../../table/render.js';
import { askText } from '../ask.js';
import type { OpContext } from './context.js';
import { destinationWords } from '../complete.js';

function parseWhich(answer: string): Parsed<string> {
  const s = answer.trim().toLowerCase();
  if (s === 'all' || s === 'default' || s === '(default)') return { ok: true, value: s === '(default)' ? 'default' : s };
  return normaliseDestination(answer);
}

export async function showDetail(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const which = await askText(
    p,
    'Enter the domain you wish to view, "default" for the default, or "all" to view all.',
    parseWhich,
    undefined,
    destinationWords(table, ['default', 'all']),
  );
  p.print();
  if (which !== 'all' && which !== 'default' && !table.entries.has(which)) {
    p.print(notFoundMessage(which), p.paint.error);
    return;
  }
  p.write(renderDetail(table, which));
}
