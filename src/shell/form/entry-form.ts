// NEW and EDIT as a form (`--ui form`): the settings of the ESA dialogue (reference §5.1) in the same order,
// with inquirer widgets. A number is set or left to the Default row with a yes/no question; a list offers
// "Use the Default row's setting" as its first choice. What is not given a value stays "Default" and
// follows the Default row, as in the ESA dialogue.
import { RANGES, DANE_LABELS, IP_SORT_LABELS, TLS_LABELS, type IntRange } from '../../table/fields.js';
import { effectiveRow } from '../../table/lookup.js';
import { renderDetail, sortedEntries } from '../../table/render.js';
import { blankEntry, DEFAULT, type DestEntry, type DestTable, type Inherit } from '../../table/types.js';
import type { OpContext } from '../destconfig/context.js';
import { parseNewDestination } from '../destconfig/domain-answer.js';
import { bounceProfileLabel, certconfigNotice, chooseBounceProfile, chooseLimitScope, DANE_CHOICES, IP_SORT_CHOICES, TLS_CHOICES } from './choices.js';
import type { Choice, Widgets } from './widgets.js';

/** The first choice of a list: inherit, showing what the Default row holds now. */
function inherit(shown: string): Choice<Inherit> {
  return { name: `Use the Default row's setting (${shown})`, value: DEFAULT };
}

/** A number that the entry sets, or leaves to the Default row. */
async function optionalInt(
  w: Widgets,
  ask: { gate: string; value: string },
  range: IntRange,
  current: number | Inherit,
  fallback: number | undefined,
  gateDefault: boolean,
): Promise<number | Inherit> {
  if (!(await w.yesNo(ask.gate, gateDefault))) return DEFAULT;
  return w.integer(ask.value, range, current === DEFAULT ? fallback : current);
}

/** Every setting of `current`; returns the new entry. New profiles are added to `table`. */
export async function entryQuestions(w: Widgets, table: DestTable, current: DestEntry, isNew: boolean): Promise<DestEntry> {
  const dom = current.destination;
  const d = table.defaults;
  const next: DestEntry = { ...current };

  next.maxConcurrency = await optionalInt(
    w,
    { gate: `Set a concurrency limit for ${dom}? (no: the Default row's ${d.maxConcurrency})`, value: `Maximum concurrent connections to ${dom}` },
    RANGES.maxConcurrency,
    current.maxConcurrency,
    d.maxConcurrency,
    isNew || current.maxConcurrency !== DEFAULT,
  );
  next.maxMessagesPerConnection = await optionalInt(
    w,
    { gate: `Set a messages-per-connection limit? (no: the Default row's ${d.maxMessagesPerConnection})`, value: `Maximum messages per connection to ${dom}` },
    RANGES.maxMessagesPerConnection,
    current.maxMessagesPerConnection,
    d.maxMessagesPerConnection,
    current.maxMessagesPerConnection !== DEFAULT,
  );

  const rcpt = current.recipientLimit === DEFAULT ? null : current.recipientLimit;
  if (await w.yesNo('Set a recipient limit? (no: the Default row\'s)', rcpt !== null)) {
    const minutes = await w.integer('Minutes over which recipients are counted', RANGES.recipientMinutes, rcpt?.minutes ?? 60);
    const limit = await w.integer(`Maximum recipients per ${minutes} minutes for ${dom}`, RANGES.recipientLimit, rcpt?.limit);
    next.recipientLimit = { limit, minutes };
  } else {
    next.recipientLimit = DEFAULT;
  }

  // How limits apply matters only when the entry sets a limit of its own (reference §8.1).
  const setsLimit = next.maxConcurrency !== DEFAULT || next.recipientLimit !== DEFAULT;
  const now = effectiveRow(d, current);
  const scope = setsLimit ? await chooseLimitScope(w, dom, { limitType: now.limitType.value, limitApply: now.limitApply.value }) : null;
  next.limitType = scope?.limitType ?? DEFAULT;
  next.limitApply = scope?.limitApply ?? DEFAULT;

  next.tls = await w.choose('TLS support', [inherit(TLS_LABELS[d.tls]), ...TLS_CHOICES], current.tls);
  if (table.globals.daneEnabled) next.dane = await w.choose('DANE support', [inherit(DANE_LABELS[d.dane]), ...DANE_CHOICES], current.dane);
  next.bounceVerification = await w.choose<boolean | Inherit>(
    'Bounce verification address tagging',
    [inherit(d.bounceVerification ? 'Yes' : 'No'), { name: 'Yes', value: true }, { name: 'No', value: false }],
    current.bounceVerification,
  );
  next.bounceProfile = await chooseBounceProfile(w, table, 'Bounce profile', current.bounceProfile, [inherit(bounceProfileLabel(d.bounceProfile))]);
  next.ipSortPref = await w.choose('IP address preference', [inherit(IP_SORT_LABELS[d.ipSortPref]), ...IP_SORT_CHOICES], current.ipSortPref);
  return next;
}

/** After the form: the certconfig notice where it applies, then the entry as DETAIL shows it. */
function showSaved(ctx: OpContext, entry: DestEntry): void {
  certconfigNotice(ctx.p, ctx.table, entry.tls);
  ctx.p.print();
  ctx.p.write(renderDetail(ctx.table, entry.destination));
  ctx.p.print('(pending until "commit" at the main prompt)');
}

export async function newEntryForm(ctx: OpContext, w: Widgets): Promise<void> {
  const dest = await w.text('Domain to configure (a domain, .domain for all its subdomains, or an IP address)', (a) => parseNewDestination(ctx.table, a));
  const entry = await entryQuestions(w, ctx.table, blankEntry(dest), true);
  ctx.table.entries.set(dest, entry);
  showSaved(ctx, entry);
}

export async function editEntryForm(ctx: OpContext, w: Widgets): Promise<void> {
  const entries = sortedEntries(ctx.table);
  const first = entries[0];
  if (!first) {
    ctx.p.print();
    ctx.p.print('There are no entries to edit. Use NEW to create one, or DEFAULT to change the Default row.');
    return;
  }
  const dest = await w.choose(
    'Entry to edit',
    entries.map((e) => ({ name: e.destination, value: e.destination })),
    first.destination,
  );
  const current = ctx.table.entries.get(dest) ?? first;
  const entry = await entryQuestions(w, ctx.table, current, false);
  ctx.table.entries.set(dest, entry);
  showSaved(ctx, entry);
}
