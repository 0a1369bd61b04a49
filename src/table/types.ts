// The destination-controls table: the pure data model shared by the shell, the file format, the command
// line and the delivery client. Field semantics follow the AsyncOS user guide (Destination Controls) and
// ../shared/reference/destconfig-reference.md §4 and §13.
import { EntryMap } from './entry-map.js';

/** TLS modes, in the order of the appliance's numbered list (`Do you want to use TLS support?`). */
export const TLS_MODES = [
  'no',
  'preferred',
  'required',
  'preferred_verify',
  'required_verify',
  'required_verify_hosted',
] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const DANE_MODES = ['no', 'opportunistic', 'mandatory'] as const;
export type DaneMode = (typeof DANE_MODES)[number];

/** IP sort preference within an MX preference level. File tokens are the upper-case forms. */
export const IP_SORT_PREFS = ['PREFER_V6', 'REQUIRE_V6', 'PREFER_V4', 'REQUIRE_V4'] as const;
export type IpSortPref = (typeof IP_SORT_PREFS)[number];

/** `domain`: one limit for the whole destination; `mxip`: a separate limit per mail-exchanger IP. */
export type LimitType = 'domain' | 'mxip';
/** `system`: limits counted system-wide; `vg`: counted per virtual gateway (source address). */
export type LimitApply = 'system' | 'vg';

export interface RecipientLimit {
  /** 0..1,000,000,000 recipients ... */
  limit: number;
  /** ... per 1..60 minutes. */
  minutes: number;
}

/** Marker for "use the Default row's value" (the appliance's "Default" / GUI "Use Default"). */
export const DEFAULT = 'default' as const;
export type Inherit = typeof DEFAULT;

/**
 * The Default row: every field concrete. `recipientLimit: null` is the Default row's "No Limit".
 * `bounceProfile: 'Default'` is the system default bounce profile, shown as `(Default)` in LIST.
 */
export interface DefaultRow {
  ipSortPref: IpSortPref;
  maxConcurrency: number;
  maxMessagesPerConnection: number;
  recipientLimit: RecipientLimit | null;
  limitType: LimitType;
  limitApply: LimitApply;
  tls: TlsMode;
  dane: DaneMode;
  bounceVerification: boolean;
  bounceProfile: string;
}

/**
 * A destination entry. Each field is either a specific value or 'default' (inherit from the Default row).
 * `limitType`/`limitApply` are meaningful only when the entry sets a concurrency or recipient limit
 * (the file format ties them to those keys, reference §8.1); otherwise they are 'default'.
 */
export interface DestEntry {
  /** Normalised key: 'example.com', '.example.com' (every subdomain), '[192.0.2.1]', '[2001:db8::1]'. */
  destination: string;
  ipSortPref: IpSortPref | Inherit;
  maxConcurrency: number | Inherit;
  maxMessagesPerConnection: number | Inherit;
  recipientLimit: RecipientLimit | Inherit;
  limitType: LimitType | Inherit;
  limitApply: LimitApply | Inherit;
  tls: TlsMode | Inherit;
  dane: DaneMode | Inherit;
  bounceVerification: boolean | Inherit;
  bounceProfile: string | Inherit;
}

/** Global settings (destconfig -> SETUP), plus secrets the table never exports. */
export interface GlobalSettings {
  /** Certificate profile for all outbound TLS: 'Demo' (the bundled demonstration certificate) or a configured profile name. */
  certificate: string;
  /** Send a Warning alert when a required TLS connection fails. */
  alertOnRequiredTlsFailure: boolean;
  /** DANE support enabled: NEW/EDIT ask the DANE question only when true (the seed's appliance predates DANE). */
  daneEnabled: boolean;
}

/** Certificate profile usable by SETUP: a PEM certificate chain and key on disk. */
export interface CertificateProfile {
  name: string;
  certFile: string;
  keyFile: string;
}

/** The whole persisted table. */
export interface DestTable {
  defaults: DefaultRow;
  /** Keyed by normalised destination. Iteration order is not significant; render and export sort. */
  entries: Map<string, DestEntry>;
  globals: GlobalSettings;
  /** Named bounce profiles besides the system 'Default' (created inline by NEW/EDIT "New Profile"). */
  bounceProfiles: string[];
  /** Certificate profiles besides the bundled 'Demo'. */
  certificates: CertificateProfile[];
}

/** Factory Default row: LIST shows `(Default)  On  Off  Off  (Default)  Prefer IPv6` (seed transcript). */
export function factoryDefaults(): DefaultRow {
  return {
    ipSortPref: 'PREFER_V6',
    maxConcurrency: 500,
    maxMessagesPerConnection: 50,
    recipientLimit: null,
    limitType: 'domain',
    limitApply: 'system',
    tls: 'no',
    dane: 'no',
    bounceVerification: false,
    bounceProfile: 'Default',
  };
}

export function factoryGlobals(): GlobalSettings {
  return { certificate: 'Demo', alertOnRequiredTlsFailure: false, daneEnabled: false };
}

export function emptyTable(): DestTable {
  return {
    defaults: factoryDefaults(),
    entries: new EntryMap(),
    globals: factoryGlobals(),
    bounceProfiles: [],
    certificates: [],
  };
}

/** A new entry with every field inheriting from Default. */
export function blankEntry(destination: string): DestEntry {
  return {
    destination,
    ipSortPref: DEFAULT,
    maxConcurrency: DEFAULT,
    maxMessagesPerConnection: DEFAULT,
    recipientLimit: DEFAULT,
    limitType: DEFAULT,
    limitApply: DEFAULT,
    tls: DEFAULT,
    dane: DEFAULT,
    bounceVerification: DEFAULT,
    bounceProfile: DEFAULT,
  };
}

export function cloneTable(t: DestTable): DestTable {
  return {
    defaults: { ...t.defaults, recipientLimit: t.defaults.recipientLimit ? { ...t.defaults.recipientLimit } : null },
    entries: new EntryMap([...t.entries].map(([k, e]) => [k, cloneEntry(e)])),
    globals: { ...t.globals },
    bounceProfiles: [...t.bounceProfiles],
    certificates: t.certificates.map((c) => ({ ...c })),
  };
}

export function cloneEntry(e: DestEntry): DestEntry {
  return { ...e, recipientLimit: typeof e.recipientLimit === 'object' ? { ...e.recipientLimit } : e.recipientLimit };
}
