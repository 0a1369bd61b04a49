// The question sequence of NEW and EDIT (reference §5.1, in the seed's order): concurrency, messages per
// connection, recipient limit, how limits apply (only when a concurrency or recipient limit is set), TLS,
// DANE (only after SETUP enabled DANE support), bounce verification tagging, bounce profile, IP sort
// preference. Answering "no" to an "apply a specific ..." gate leaves the field "Default", following the
// Default row. For EDIT the entry's current values are the bracketed defaults.
import { RANGES } from '../../table/fields.js';
import { DEFAULT, type DestEntry, type DestTable } from '../../table/types.js';
import { askInt, askYesNo } from '../ask.js';
import type { Prompter } from '../prompt.js';
import { askBounceProfile, askDaneMode, askIpSort, askLimitScope, askTlsMode } from './field-questions.js';

/** Asks every question for `current` and returns the resulting entry. `isNew`: NEW's `[Y]` concurrency gate. */
export async function askEntry(p: Prompter, table: DestTable, current: DestEntry, isNew: boolean): Promise<DestEntry> {
  const dom = current.destination;
  const d = table.defaults;
  const next: DestEntry = { ...current };

  const concurrencyGate = isNew || current.maxConcurrency !== DEFAULT;
  if (await askYesNo(p, `Do you wish to configure a concurrency limit for ${dom}?`, concurrencyGate)) {
    const dflt = current.maxConcurrency === DEFAULT ? d.maxConcurrency : current.maxConcurrency;
    next.maxConcurrency = await askInt(p, `Enter the max concurrency limit for "${dom}".`, RANGES.maxConcurrency, dflt);
  } else {
    next.maxConcurrency = DEFAULT;
  }

  if (await askYesNo(p, 'Do you wish to apply a messages-per-connection limit to this domain?', current.maxMessagesPerConnection !== DEFAULT)) {
    const dflt = current.maxMessagesPerConnection === DEFAULT ? d.maxMessagesPerConnection : current.maxMessagesPerConnection;
    next.maxMessagesPerConnection = await askInt(p, `Enter the max number of messages to deliver per connection for "${dom}".`, RANGES.maxMessagesPerConnection, dflt);
  } else {
    next.maxMessagesPerConnection = DEFAULT;
  }

  const rcpt = current.recipientLimit === DEFAULT ? null : current.recipientLimit;
  if (await askYesNo(p, 'Do you wish to apply a recipient limit to this domain?', rcpt !== null)) {
    const minutes = await askInt(p, 'Enter the number of minutes used to measure the recipient limit.', RANGES.recipientMinutes, rcpt?.minutes ?? 60);
    // The recipient count has no default on NEW (reference §4: per-domain `[]`); EDIT offers the current one.
    const limit = await askInt(p, `Enter the max number of recipients per ${minutes} minutes for "${dom}".`, RANGES.recipientLimit, rcpt?.limit);
    next.recipientLimit = { limit, minutes };
  } else {
    next.recipientLimit = DEFAULT;
  }

  if (next.maxConcurrency !== DEFAULT || next.recipientLimit !== DEFAULT) {
    const scope = await askLimitScope(
      p,
      { question: `Select how you want to apply the limits for ${dom}:`, entireDomain: `One limit applies to the entire domain ${dom}` },
      {
        limitType: current.limitType === DEFAULT ? d.limitType : current.limitType,
        limitApply: current.limitApply === DEFAULT ? d.limitApply : current.limitApply,
      },
    );
    // A scope the entry already inherits while it sets a limit (a table the store accepts, e.g. edited by
    // hand) stays inheriting when the shown default, the Default row's value, is accepted: the lists have
    // no gate, and an accepted default of EDIT changes nothing. A newly set limit pins its scope, as NEW does.
    const hadLimit = current.maxConcurrency !== DEFAULT || current.recipientLimit !== DEFAULT;
    next.limitType = hadLimit && current.limitType === DEFAULT && scope.limitType === d.limitType ? DEFAULT : scope.limitType;
    next.limitApply = hadLimit && current.limitApply === DEFAULT && scope.limitApply === d.limitApply ? DEFAULT : scope.limitApply;
  } else {
    next.limitType = DEFAULT;
    next.limitApply = DEFAULT;
  }

  next.tls = (await askYesNo(p, 'Do you wish to apply a specific TLS setting for this domain?', current.tls !== DEFAULT))
    ? await askTlsMode(p, table, current.tls === DEFAULT ? 'no' : current.tls)
    : DEFAULT;

  if (table.globals.daneEnabled) {
    next.dane = (await askYesNo(p, 'Do you wish to configure DANE Support for this domain?', current.dane !== DEFAULT))
      ? await askDaneMode(p, 'Please choose a DANE option:', current.dane === DEFAULT ? 'no' : current.dane)
      : DEFAULT;
  }

  if (await askYesNo(p, 'Do you wish to apply a specific bounce verification address tagging setting for this domain?', current.bounceVerification !== DEFAULT)) {
    const dflt = current.bounceVerification === DEFAULT ? d.bounceVerification : current.bounceVerification;
    next.bounceVerification = await askYesNo(p, 'Perform bounce verification address tagging?', dflt);
  } else {
    next.bounceVerification = DEFAULT;
  }

  next.bounceProfile = (await askYesNo(p, 'Do you wish to apply a specific bounce profile to this domain?', current.bounceProfile !== DEFAULT))
    ? await askBounceProfile(p, table, current.bounceProfile === DEFAULT ? 'Default' : current.bounceProfile)
    : DEFAULT;

  next.ipSortPref = (await askYesNo(p, 'Do you wish to apply a specific IP sort preference to this domain?', current.ipSortPref !== DEFAULT))
    ? await askIpSort(p, current.ipSortPref === DEFAULT ? d.ipSortPref : current.ipSortPref)
    : DEFAULT;

  return next;
}
