// The domain question that opens NEW, EDIT, DELETE and DETAIL: `Enter the domain you wish to ...` then `[]> `.
// The answer is normalised as everywhere else (src/table/domain.ts); a malformed one is an invalid answer.
import { normaliseDestination } from '../../table/domain.js';
import { notFoundMessage } from '../../table/render.js';
import type { Parsed } from '../../table/fields.js';
import type { DestEntry, DestTable } from '../../table/types.js';
import { askText } from '../ask.js';
import { destinationWords } from '../complete.js';
import type { Prompter } from '../prompt.js';

/** Answers that name the Default row rather than a destination. */
export const DEFAULT_WORDS: ReadonlySet<string> = new Set(['default', '(default)']);
const DEFAULT_ROW = '(default)';

/** NEW's answer: a valid destination the table does not hold yet (a duplicate NEW is refused). */
export function parseNewDestination(table: DestTable, answer: string): Parsed<string> {
  const r = normaliseDestination(answer);
  if (r.ok && table.entries.has(r.value)) {
    return { ok: false, error: `The domain "${r.value}" is already in the destination control table. Use EDIT to change it.` };
  }
  return r;
}

/**
 * Asks for an existing entry (EDIT, DELETE). Prints the appliance's "was not found in the destination"
 * message and returns null when the table has no such entry; the operation then ends.
 */
export async function askExistingEntry(p: Prompter, table: DestTable, verb: string): Promise<DestEntry | null> {
  const dest = await askText(
    p,
    `Enter the domain you wish to ${verb}.`,
    (a) => (DEFAULT_WORDS.has(a.trim().toLowerCase()) ? { ok: true, value: DEFAULT_ROW } : normaliseDestination(a)),
    undefined,
    destinationWords(table),
  );
  if (dest === DEFAULT_ROW) {
    // Not a destination: an operator who names the Default row here is pointed to the operation for it.
    p.print();
    p.print(`The Default entry is changed with DEFAULT, not ${verb.toUpperCase()}.`, p.paint.error);
    return null;
  }
  const entry = table.entries.get(dest);
  if (!entry) {
    p.print();
    p.print(notFoundMessage(dest), p.paint.error);
  }
  return entry ?? null;
}
