// DEFAULT: the Default row's values, asked directly (reference §5.4): the Default row must hold a concrete
// value for every field, so there are no "apply a specific ..." gates. The Default row governs every
// destination without an entry and every field an entry leaves at "Default".
import { RANGES } from '../../table/fields.js';
import type { DefaultRow } from '../../table/types.js';
import { askInt, askYesNo } from '../ask.js';
import type { OpContext } from './context.js';
import { askBounceProfile, askDaneMode, askIpSort, askLimitScope, askTlsMode } from './field-questions.js';

export async function editDefaults(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const cur = table.defaults;
  const next: DefaultRow = { ...cur };

  next.maxConcurrency = await askInt(p, 'Enter the default maximum concurrency limit.', RANGES.maxConcurrency, cur.maxConcurrency);
  next.maxMessagesPerConnection = await askInt(
    p,
    'Enter the default maximum number of messages to deliver per connection.',
    RANGES.maxMessagesPerConnection,
    cur.maxMessagesPerConnection,
  );
  if (await askYesNo(p, 'Do you wish to specify a default recipient limit?', cur.recipientLimit !== null)) {
    const minutes = await askInt(p, 'Enter the number of minutes used to measure recipient limit.', RANGES.recipientMinutes, cur.recipientLimit?.minutes ?? 60);
    const limit = await askInt(p, `Enter number of recipients per ${minutes} minutes.`, RANGES.recipientLimit, cur.recipientLimit?.limit);
    next.recipientLimit = { limit, minutes };
  } else {
    next.recipientLimit = null;
  }
  const scope = await askLimitScope(
    p,
    { question: 'Select how you want to apply the limits for unspecified domains:', entireDomain: 'One limit applies to each entire domain' },
    cur,
  );
  next.limitType = scope.limitType;
  next.limitApply = scope.limitApply;
  next.tls = await askTlsMode(p, table, cur.tls);
  if (table.globals.daneEnabled) next.dane = await askDaneMode(p, 'Do you want to use DANE Support?', cur.dane);
  next.bounceVerification = await askYesNo(p, 'Perform bounce verification address tagging?', cur.bounceVerification);
  next.bounceProfile = await askBounceProfile(p, table, cur.bounceProfile);
  next.ipSortPref = await askIpSort(p, cur.ipSortPref);
  table.defaults = next;
}
