// The effective value of every field of a row after Default inheritance, and where each comes from.
import { DEFAULT, type DefaultRow, type DestEntry } from './types.js';

export type Source = 'entry' | 'default';

export interface Effective<T> {
  value: T;
  /** 'entry' when the governing entry sets the field; 'default' when inherited from the Default row. */
  source: Source;
}

export interface EffectiveRow {
  /** The key of the governing entry, or null when the Default row governs. */
  matched: string | null;
  ipSortPref: Effective<DefaultRow['ipSortPref']>;
  maxConcurrency: Effective<number>;
  maxMessagesPerConnection: Effective<number>;
  recipientLimit: Effective<DefaultRow['recipientLimit']>;
  limitType: Effective<DefaultRow['limitType']>;
  limitApply: Effective<DefaultRow['limitApply']>;
  tls: Effective<DefaultRow['tls']>;
  dane: Effective<DefaultRow['dane']>;
  bounceVerification: Effective<boolean>;
  bounceProfile: Effective<string>;
}

function pick<T>(own: T | typeof DEFAULT, inherited: T): Effective<T> {
  return own === DEFAULT ? { value: inherited, source: 'default' } : { value: own, source: 'entry' };
}

/** Effective values of an entry (or of the Default row when `entry` is null). */
export function effectiveRow(defaults: DefaultRow, entry: DestEntry | null): EffectiveRow {
  const e = entry;
  const d = defaults;
  if (!e) {
    const dflt = <T>(value: T): Effective<T> => ({ value, source: 'default' });
    return {
      matched: null,
      ipSortPref: dflt(d.ipSortPref),
      maxConcurrency: dflt(d.maxConcurrency),
      maxMessagesPerConnection: dflt(d.maxMessagesPerConnection),
      recipientLimit: dflt(d.recipientLimit),
      limitType: dflt(d.limitType),
      limitApply: dflt(d.limitApply),
      tls: dflt(d.tls),
      dane: dflt(d.dane),
      bounceVerification: dflt(d.bounceVerification),
      bounceProfile: dflt(d.bounceProfile),
    };
  }
  return {
    matched: e.destination,
    ipSortPref: pick(e.ipSortPref, d.ipSortPref),
    maxConcurrency: pick(e.maxConcurrency, d.maxConcurrency),
    maxMessagesPerConnection: pick(e.maxMessagesPerConnection, d.maxMessagesPerConnection),
    recipientLimit: pick<DefaultRow['recipientLimit']>(e.recipientLimit, d.recipientLimit),
    limitType: pick(e.limitType, d.limitType),
    limitApply: pick(e.limitApply, d.limitApply),
    tls: pick(e.tls, d.tls),
    dane: pick(e.dane, d.dane),
    bounceVerification: pick(e.bounceVerification, d.bounceVerification),
    bounceProfile: pick(e.bounceProfile, d.bounceProfile),
  };
}
