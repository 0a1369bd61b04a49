// DEFAULT as a form (`--ui form`): the Default row's values asked directly, as the ESA dialogue does
// (reference §5.4): every field of the Default row is concrete, so there is no "use the Default row" choice.
import { RANGES } from '../../table/fields.js';
import { renderDetail } from '../../table/render.js';
import type { DefaultRow } from '../../table/types.js';
import type { OpContext } from '../destconfig/context.js';
import { certconfigNotice, chooseBounceProfile, chooseLimitScope, DANE_CHOICES, IP_SORT_CHOICES, TLS_CHOICES } from './choices.js';
import type { Widgets } from './widgets.js';

export async function defaultForm(ctx: OpContext, w: Widgets): Promise<void> {
  const { table } = ctx;
  const cur = table.defaults;
  const next: DefaultRow = { ...cur };
  next.maxConcurrency = await w.integer('Default maximum concurrent connections', RANGES.maxConcurrency, cur.maxConcurrency);
  next.maxMessagesPerConnection = await w.integer('Default maximum messages per connection', RANGES.maxMessagesPerConnection, cur.maxMessagesPerConnection);
  if (await w.yesNo('Set a default recipient limit? (no: no limit)', cur.recipientLimit !== null)) {
    const minutes = await w.integer('Minutes over which recipients are counted', RANGES.recipientMinutes, cur.recipientLimit?.minutes ?? 60);
    const limit = await w.integer(`Default maximum recipients per ${minutes} minutes`, RANGES.recipientLimit, cur.recipientLimit?.limit);
    next.recipientLimit = { limit, minutes };
  } else {
    next.recipientLimit = null;
  }
  const scope = await chooseLimitScope(w, 'destinations without their own', cur);
  next.limitType = scope.limitType;
  next.limitApply = scope.limitApply;
  next.tls = await w.choose('Default TLS support', TLS_CHOICES, cur.tls);
  if (table.globals.daneEnabled) next.dane = await w.choose('Default DANE support', DANE_CHOICES, cur.dane);
  next.bounceVerification = await w.yesNo('Perform bounce verification address tagging by default?', cur.bounceVerification);
  next.bounceProfile = await chooseBounceProfile(w, table, 'Default bounce profile', cur.bounceProfile);
  next.ipSortPref = await w.choose('Default IP address preference', IP_SORT_CHOICES, cur.ipSortPref);
  table.defaults = next;
  certconfigNotice(ctx.p, table, next.tls);
  ctx.p.print();
  ctx.p.write(renderDetail(table, 'default'));
  ctx.p.print('(pending until "commit" at the main prompt)');
}
