// The keys of the ESA destination-controls table file and their value tokens (reference §8).
// Keys 1-8 of Cisco's Table 24-9 are verified; `table_tls`, `bounce_validation` and `dane_option` are the
// GUI's field names (reference §8.2) and are what this product reads and writes. Keys and word values are
// case-insensitive on import; export writes the canonical words below.
import { RANGES, parseIntInRange, validateBounceProfileName, type IntRange, type Parsed } from '../table/fields.js';
import {
  DANE_MODES,
  IP_SORT_PREFS,
  TLS_MODES,
  type DaneMode,
  type IpSortPref,
  type LimitApply,
  type LimitType,
  type TlsMode,
} from '../table/types.js';

/** Canonical key names, in the order export writes them (Table 24-9 order, TLS and DANE after the limits). */
export const FILE_KEYS = [
  'ip_sort_pref',
  'max_host_concurrency',
  'max_messages_per_connection',
  'recipient_minutes',
  'recipient_limit',
  'limit_type',
  'limit_apply',
  'table_tls',
  'dane_option',
  'bounce_validation',
  'bounce_profile',
] as const;
export type FileKey = (typeof FILE_KEYS)[number];

/** Other spellings accepted on import. */
const KEY_ALIASES: Record<string, FileKey> = { tls: 'table_tls' };

const KNOWN_KEYS = new Set<string>(FILE_KEYS);

/** The canonical key for a key as written (case-insensitive), or null when unknown. */
export function canonicalKey(written: string): FileKey | null {
  const k = written.toLowerCase();
  if (KNOWN_KEYS.has(k)) return k as FileKey;
  return KEY_ALIASES[k] ?? null;
}

export const KEY_LIST_TEXT = `${FILE_KEYS.join(', ')} (tls is accepted for table_tls)`;

/** Word tokens written on export, in the model's order; index = the number form accepted on import. */
export const TLS_WORDS: Record<TlsMode, string> = {
  no: 'off',
  preferred: 'on',
  required: 'require',
  preferred_verify: 'on_verify',
  required_verify: 'require_verify',
  required_verify_hosted: 'require_verify_hosted',
};
export const DANE_WORDS: Record<DaneMode, string> = { no: 'none', opportunistic: 'opportunistic', mandatory: 'mandatory' };
export const LIMIT_TYPE_WORDS: Record<LimitType, string> = { domain: 'host', mxip: 'MXIP' };
export const LIMIT_APPLY_WORDS: Record<LimitApply, string> = { system: 'system', vg: 'VG' };
export function boolWord(b: boolean): string {
  return b ? 'on' : 'off';
}

/** Builds a case-insensitive token table: each word, and optionally its index as a number form. */
function tokenTable<T extends string>(order: readonly T[], words: Record<T, string>, numbers: boolean): Map<string, T> {
  const m = new Map<string, T>();
  order.forEach((v, i) => {
    m.set(words[v].toLowerCase(), v);
    if (numbers) m.set(String(i), v);
  });
  return m;
}

const TLS_TOKENS = tokenTable(TLS_MODES, TLS_WORDS, true);
const DANE_TOKENS = tokenTable(DANE_MODES, DANE_WORDS, false);
const LIMIT_TYPE_TOKENS = tokenTable<LimitType>(['domain', 'mxip'], LIMIT_TYPE_WORDS, true);
const LIMIT_APPLY_TOKENS = tokenTable<LimitApply>(['system', 'vg'], LIMIT_APPLY_WORDS, true);
const BOOL_TOKENS = tokenTable<'off' | 'on'>(['off', 'on'], { off: 'off', on: 'on' }, true);
const IP_SORT_TOKENS = new Map<string, IpSortPref>(IP_SORT_PREFS.map((p) => [p.toLowerCase(), p]));

function fromTokens<T>(tokens: Map<string, T>, accepted: string): (raw: string) => Parsed<T> {
  return (raw) => {
    const v = tokens.get(raw.toLowerCase());
    return v === undefined ? { ok: false, error: `${JSON.stringify(raw)} is not valid; expected ${accepted}.` } : { ok: true, value: v };
  };
}

function intIn(r: IntRange): (raw: string) => Parsed<number> {
  return (raw) => {
    const p = parseIntInRange(raw, r);
    return p.ok ? p : { ok: false, error: `${p.error.replace(/\.$/, '')} (found ${JSON.stringify(raw)}).` };
  };
}

/** The system default bounce profile; any spelling of "default" names it. */
export const SYSTEM_BOUNCE_PROFILE = 'Default';

function bounceProfile(raw: string): Parsed<string> {
  if (raw.toLowerCase() === 'default') return { ok: true, value: SYSTEM_BOUNCE_PROFILE };
  return validateBounceProfileName(raw);
}

/** Value parsers per key; each returns the model value or a sentence saying what is wrong. */
export const VALUE_PARSERS = {
  ip_sort_pref: fromTokens(IP_SORT_TOKENS, 'PREFER_V6, REQUIRE_V6, PREFER_V4 or REQUIRE_V4'),
  max_host_concurrency: intIn(RANGES.maxConcurrency),
  max_messages_per_connection: intIn(RANGES.maxMessagesPerConnection),
  recipient_minutes: intIn(RANGES.recipientMinutes),
  recipient_limit: intIn(RANGES.recipientLimit),
  limit_type: fromTokens(LIMIT_TYPE_TOKENS, '0 or host (the whole domain), 1 or MXIP (each mail exchanger IP address)'),
  limit_apply: fromTokens(LIMIT_APPLY_TOKENS, '0 or system (system-wide), 1 or VG (per virtual gateway)'),
  table_tls: fromTokens(TLS_TOKENS, 'off, on, require, on_verify, require_verify, require_verify_hosted, or 0 to 5'),
  dane_option: fromTokens(DANE_TOKENS, 'none, opportunistic or mandatory'),
  bounce_validation: fromTokens(BOOL_TOKENS, '0 or off, 1 or on'),
  bounce_profile: bounceProfile,
} satisfies Record<FileKey, (raw: string) => Parsed<unknown>>;
