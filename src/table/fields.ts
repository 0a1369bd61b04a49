// Ranges, labels and validators for every field: one source for the dialogue, the file importer and the
// command line. Ranges are the appliance's (GUI docstrings "between 1 and 1,000", reference §4); error
// sentences follow the AsyncOS pattern `Value must be an integer from 0 to 3,600.` (reference §2.2).
import type { DaneMode, IpSortPref, LimitApply, LimitType, TlsMode } from './types.js';

export interface IntRange {
  min: number;
  max: number;
}

export const RANGES = {
  maxConcurrency: { min: 1, max: 1000 },
  maxMessagesPerConnection: { min: 1, max: 1000 },
  recipientLimit: { min: 0, max: 1_000_000_000 },
  recipientMinutes: { min: 1, max: 60 },
} as const satisfies Record<string, IntRange>;

/** 1000 -> "1,000" (AsyncOS prints thousands separators in range messages). */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function rangeMessage(r: IntRange): string {
  return `Value must be an integer from ${withThousands(r.min)} to ${withThousands(r.max)}.`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses a decimal integer within a range. Accepts surrounding blanks and thousands separators as the
 * appliance prints them ("1,000"); rejects signs, decimals, exponents and anything else.
 */
export function parseIntInRange(text: string, r: IntRange): Parsed<number> {
  const s = text.trim();
  if (!/^\d{1,3}(,\d{3})*$|^\d+$/.test(s)) return { ok: false, error: rangeMessage(r) };
  const n = Number(s.replace(/,/g, ''));
  if (!Number.isSafeInteger(n) || n < r.min || n > r.max) return { ok: false, error: rangeMessage(r) };
  return { ok: true, value: n };
}

/** Labels of the TLS list, word for word as the appliance numbers them (reference §7.1). */
export const TLS_LABELS: Record<TlsMode, string> = {
  no: 'No',
  preferred: 'Preferred',
  required: 'Required',
  preferred_verify: 'Preferred - Verify',
  required_verify: 'Required - Verify',
  required_verify_hosted: 'Required - Verify Hosted Domains',
};

export const DANE_LABELS: Record<DaneMode, string> = {
  no: 'No',
  opportunistic: 'Opportunistic',
  mandatory: 'Mandatory',
};

/** GUI labels of the IP address preference (reference §11). */
export const IP_SORT_LABELS: Record<IpSortPref, string> = {
  PREFER_V6: 'IPv6 Preferred',
  REQUIRE_V6: 'IPv6 Required',
  PREFER_V4: 'IPv4 Preferred',
  REQUIRE_V4: 'IPv4 Required',
};

/** LIST's short form, as the seed's LIST shows the factory Default row: `Prefer IPv6`. */
export const IP_SORT_SHORT: Record<IpSortPref, string> = {
  PREFER_V6: 'Prefer IPv6',
  REQUIRE_V6: 'Require IPv6',
  PREFER_V4: 'Prefer IPv4',
  REQUIRE_V4: 'Require IPv4',
};

export const LIMIT_TYPE_LABELS: Record<LimitType, string> = {
  domain: 'Entire domain',
  mxip: 'Each mail exchanger IP address',
};

export const LIMIT_APPLY_LABELS: Record<LimitApply, string> = {
  system: 'System Wide',
  vg: 'Per Virtual Gateway',
};

/** Bounce profile names: a letter or underscore first, then letters, digits, `_`, `-`, `.` (at most 64). */
export function validateBounceProfileName(name: string): Parsed<string> {
  const s = name.trim();
  if (!/^[A-Za-z_]/.test(s)) return { ok: false, error: 'The bounce profile name must start with a letter or an underscore.' };
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s)) {
    return { ok: false, error: `Invalid profile name: ${JSON.stringify(s)}. Valid characters are letters, digits, "_", "-" and ".".` };
  }
  if (s.length > 64) return { ok: false, error: `Invalid profile name: it is ${s.length} characters long; the most is 64.` };
  return { ok: true, value: s };
}
