// DELETE: asks the domain and removes its entry, with no confirmation, as on the appliance (reference §5.3).
// The Default row is not an entry and cannot be deleted.
import { askText } from '../ask.js';
import { normaliseDestination } from '../../table/domain.js';
import { notFoundMessage } from '../../table/render.js';
import type { OpContext } from './context.js';
import { DEFAULT_WORDS } from './domain-answer.js';
import { destinationWords } from '../complete.js';

export async function deleteEntry(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const answer = await askText(
    p,
    'Enter the domain you wish to delete.',
    (a) => (DEFAULT_WORDS.has(a.trim().toLowerCase()) ? { ok: true, value: 'default' } : normaliseDestination(a)),
    undefined,
    destinationWords(table),
  );
  p.print();
  if (answer === 'default') {
    p.print('The Default entry cannot be deleted. Use DEFAULT to change its values.');
    return;
  }
  if (!table.entries.delete(answer)) {
    p.print(notFoundMessage(answer), p.paint.error);
    return;
  }
  p.print(`The domain "${answer}" was deleted.`);
}
