// Field-level checks of the persisted table, built on the shared ranges (src/table/fields.ts) and
// destination normalisation (src/table/domain.ts). Pure: each check returns null or a sentence saying what
// is wrong, so the same checks serve the loader (a hand-edited file is reported, not trusted) and the
// committer (a table that would not load back is never written).
import { RANGES, validateBounceProfileName, withThousands, type IntRange } from '../table/fields.js';
import { normaliseDestination } from '../table/domain.js';
import { DANE_MODES, DEFAULT, IP_SORT_PREFS, TLS_MODES, type DefaultRow, type GlobalSettings } from '../table/types.js';

/** A problem found at a place in the document, e.g. `entries[3] "example.com": tls`. */
export class DocProblem extends Error {
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(where ? `${where}: ${what}` : what);
  }
}

type Check = (value: unknown) => string | null;

function found(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function oneOf(list: readonly string[]): Check {
  return (v) =>
    typeof v === 'string' && list.includes(v) ? null : `must be one of ${list.map((x) => `"${x}"`).join(', ')} (found ${found(v)})`;
}

function intIn(r: IntRange): Check {
  return (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= r.min && v <= r.max
      ? null
      : `must be an integer from ${withThousands(r.min)} to ${withThousands(r.max)} (found ${found(v)})`;
}

const isBool: Check = (v) => (typeof v === 'boolean' ? null : `must be true or false (found ${found(v)})`);

const isText: Check = (v) => (typeof v === 'string' && v !== '' ? null : `must be a non-empty string (found ${found(v)})`);

/** `{ limit, minutes }`: recipients 0..1,000,000,000 per 1..60 minutes. */
const recipientLimit: Check = (v) => {
  if (!isPlainObject(v)) return `must be an object {"limit": N, "minutes": M} (found ${found(v)})`;
  const keys = Object.keys(v);
  if (keys.length !== 2 || !('limit' in v) || !('minutes' in v)) {
    return `must have exactly the keys "limit" and "minutes" (found ${found(keys)})`;
  }
  const limit = intIn(RANGES.recipientLimit)(v.limit);
  if (limit) return `limit ${limit}`;
  const minutes = intIn(RANGES.recipientMinutes)(v.minutes);
  return minutes ? `minutes ${minutes}` : null;
};

const bounceProfileName: Check = (v) => {
  if (typeof v !== 'string') return `must be a bounce profile name (found ${found(v)})`;
  const r = validateBounceProfileName(v);
  return r.ok && r.value === v ? null : r.ok ? `must not have surrounding blanks (found ${found(v)})` : r.error;
};

/**
 * The checks of every row field, keyed by the DefaultRow type so that a field added to the table model
 * without a check here fails type-checking instead of being silently dropped by the store.
 */
export const ROW_CHECKS: { readonly [K in keyof DefaultRow]: Check } = {
  ipSortPref: oneOf(IP_SORT_PREFS),
  maxConcurrency: intIn(RANGES.maxConcurrency),
  maxMessagesPerConnection: intIn(RANGES.maxMessagesPerConnection),
  recipientLimit,
  limitType: oneOf(['domain', 'mxip']),
  limitApply: oneOf(['system', 'vg']),
  tls: oneOf(TLS_MODES),
  dane: oneOf(DANE_MODES),
  bounceVerification: isBool,
  bounceProfile: bounceProfileName,
};
export const ROW_KEYS = Object.keys(ROW_CHECKS) as (keyof DefaultRow)[];

export const GLOBAL_CHECKS: { readonly [K in keyof GlobalSettings]: Check } = {
  certificate: isText,
  alertOnRequiredTlsFailure: isBool,
  daneEnabled: isBool,
};
export const GLOBAL_KEYS = Object.keys(GLOBAL_CHECKS) as (keyof GlobalSettings)[];

export const CERTIFICATE_KEYS = ['name', 'certFile', 'keyFile'] as const;

/** The Default row's check of a field: a concrete value; a missing recipient limit is `null` ("No Limit"). */
export function checkDefaultField(key: keyof DefaultRow, v: unknown): string | null {
  if (key === 'recipientLimit' && v === null) return null;
  const why = ROW_CHECKS[key](v);
  return why && key === 'recipientLimit' ? `${why}, or null for no limit` : why;
}

/** An entry's check of a field: a concrete value or "default" (inherit from the Default row). */
export function checkEntryField(key: keyof DefaultRow, v: unknown): string | null {
  if (v === DEFAULT) return null;
  const why = ROW_CHECKS[key](v);
  return why ? `${why}; or "default" to follow the Default row` : null;
}

/** A destination key must be valid and already in normal form (lower case, A-labels, brackets). */
export function checkDestination(v: unknown): string | null {
  if (typeof v !== 'string') return `destination must be a string (found ${found(v)})`;
  const r = normaliseDestination(v);
  if (!r.ok) return r.error;
  return r.value === v ? null : `destination ${found(v)} is not in normal form; write it as ${found(r.value)}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Exactly these keys: a missing key is an error, and so is an unknown one (most often a typo). */
export function checkKeys(where: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(v)) throw new DocProblem(where, `must be a JSON object (found ${found(v)})`);
  for (const k of keys) if (!(k in v)) throw new DocProblem(where, `the key "${k}" is missing`);
  if (Object.keys(v).length !== keys.length) {
    const unknown = Object.keys(v).filter((k) => !keys.includes(k));
    throw new DocProblem(where, `unknown key ${found(unknown[0])} (expected only ${keys.map((k) => `"${k}"`).join(', ')})`);
  }
  return v;
}

export function describeValue(v: unknown): string {
  return found(v);
}
