// MX resolution for delivery (RFC 5321 §5.1, RFC 7505): MX records sorted by preference with equal
// preferences shuffled; no MX → the domain itself is the implicit MX; a null MX or a domain that does not
// exist → bounce; a resolver failure → defer; MX hosts none of which has an address → bounce, or defer when
// one of their lookups failed temporarily (Postfix, docs/delivery.md "No MX host has an address"); under
// REQUIRE_V4/V6, MX hosts with addresses of the other family only → no usable address (route.ts; deferred
// 4.4.4 by the orchestrator). Answers are cached for their TTL (MX answers, whose TTL Node's resolver does
// not expose, for a fixed time) so a batch makes one lookup per name, not per message.
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';

/** One mail exchanger with its addresses (both families; route.ts applies the row's preference). */
export interface MxHost {
  host: string;
  preference: number;
  v4: string[];
  v6: string[];
  /** Address lookups of this host failed temporarily (SERVFAIL, time-out). */
  lookupFailed?: string;
  /**
   * Set when the host has no address in the families asked: the name server's answers in Postfix's words,
   * `name=mx.example type=A/AAAA: Host not found (NXDOMAIN)`.
   */
  noAddress?: string;
}

export type MxResult =
  | { ok: true; hosts: MxHost[]; implicit: boolean }
  | { ok: false; status: 'bounced' | 'deferred'; enhanced: string; reason: string };

/** The slice of node:dns's Resolver that delivery uses (so tests may point it at an in-process server). */
export interface DnsResolver {
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  /** Ends the lookups in flight (they fail with ECANCELLED), so a finished run does not wait for them. */
  cancel?(): void;
}

export interface ResolverOptions {
  /** `HOST[:PORT]` entries (IPv6 with a port as `[::1]:53`); empty means the system resolver's servers. */
  servers?: string[];
  timeoutMs?: number;
  tries?: number;
}

/** Parses a `--dns-server` value into the form Resolver.setServers accepts; null when invalid. */
export function parseDnsServer(raw: string): string | null {
  const s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s);
  if (bracketed) {
    const [, ip = '', port] = bracketed;
    if (isIP(ip) !== 6 || !validPort(port)) return null;
    return port ? `[${ip}]:${port}` : ip;
  }
  if (isIP(s) === 6) return s;
  const v4 = /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
  if (!v4) return null;
  const [, ip = '', port] = v4;
  if (isIP(ip) !== 4 || !validPort(port)) return null;
  return port ? `${ip}:${port}` : ip;
}

function validPort(port: string | undefined): boolean {
  if (port === undefined) return true;
  const n = Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * Most lookups in flight at once. A batch to 500 domains would otherwise fire over a thousand UDP queries
 * in one burst; c-ares then loses some (answers dropped by the socket buffer) and those domains are
 * deferred after a time-out although the server never saw the query. Postfix's resolver clients are
 * likewise bounded (one query per smtp process).
 */
export const MAX_LOOKUPS_IN_FLIGHT = 64;

/**
 * How long one DNS query waits (c-ares then tries once more). A command's longer step time-out (deliver's
 * --command-timeout, tlsverify's and daneverify's --connect-timeout) bounds a query only when it is shorter.
 */
export const DNS_QUERY_TIMEOUT_MS = 5000;

export function dnsQueryTimeout(stepMs: number): number {
  return Math.min(stepMs, DNS_QUERY_TIMEOUT_MS);
}

export function createResolver(opts: ResolverOptions = {}): DnsResolver {
  const resolver = new dnsPromises.Resolver({ timeout: opts.timeoutMs ?? DNS_QUERY_TIMEOUT_MS, tries: opts.tries ?? 2 });
  if (opts.servers && opts.servers.length > 0) resolver.setServers(opts.servers);
  return limitInFlight(resolver, MAX_LOOKUPS_IN_FLIGHT);
}

/** Wraps a resolver so that at most `max` of its lookups are outstanding; the rest wait in arrival order. */
export function limitInFlight(inner: DnsResolver, max: number): DnsResolver {
  let active = 0;
  const waiting: (() => void)[] = [];
  const run = async <T>(lookup: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await lookup();
    } finally {
      const next = waiting.shift();
      if (next) next(); // hand the slot over directly: `active` stays the same
      else active--;
    }
  };
  return {
    resolveMx: (name) => run(() => inner.resolveMx(name)),
    resolve4: (name, options) => run(() => inner.resolve4(name, options)),
    resolve6: (name, options) => run(() => inner.resolve6(name, options)),
    cancel: () => inner.cancel?.(),
  };
}

/** Error codes of node:dns that mean "this name or type does not exist" rather than "ask again later". */
const NO_DATA = new Set(['ENODATA']);
const NO_NAME = new Set(['ENOTFOUND']);

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN';
}

/** Human words for the resolver's error codes, for reasons in the report and the mail log. */
function describe(code: string): string {
  switch (code) {
    case 'ESERVFAIL':
      return 'SERVFAIL';
    case 'ETIMEOUT':
      return 'timed out';
    case 'ECONNREFUSED':
      return 'DNS server refused the connection';
    case 'EREFUSED':
      return 'query refused';
    default:
      return code;
  }
}

/**
 * What the name server said about a host that has no address, per record type asked, in the words of
 * Postfix's dns_strerror() (`Host not found`, `Host not found, try again`, `Host found but no data record of
 * requested type`) with the DNS answer after them; types with the same answer share one entry (`type=A/AAAA`).
 */
function nameServiceError(host: string, answers: { type: 'A' | 'AAAA'; result: AddrResult }[]): string {
  const byWords = new Map<string, string[]>();
  for (const { type, result } of answers) {
    const words = answerWords(result);
    byWords.set(words, [...(byWords.get(words) ?? []), type]);
  }
  return [...byWords].map(([words, types]) => `name=${host} type=${types.join('/')}: ${words}`).join('; ');
}

function answerWords(result: AddrResult): string {
  // An answer without records (an MX host that is an IP literal of the other family) is NODATA too.
  if (result.ok || NO_DATA.has(result.code)) return 'Host found but no data record of requested type (NODATA)';
  if (NO_NAME.has(result.code)) return 'Host not found (NXDOMAIN)';
  return `Host not found, try again (${describe(result.code)})`;
}

/**
 * No MX host of the domain has an address in the families asked. Postfix (smtp_addr.c, with its default
 * smtp_defer_if_no_mx_address_found = no) returns the mail as undeliverable, 5.4.4, when every lookup was
 * answered (NXDOMAIN or NODATA); a temporary failure among them makes it a soft error ("a soft error dominates
 * past and future hard errors"), deferred here with 4.4.3 as every other DNS failure.
 */
function noMxAddress(domain: string, hosts: MxHost[]): MxResult {
  const reason = `No MX host of ${domain} has an address. Name service error for ${hosts.map((h) => h.noAddress).join('; ')}`;
  if (hosts.some((h) => h.lookupFailed)) return { ok: false, status: 'deferred', enhanced: '4.4.3', reason };
  return { ok: false, status: 'bounced', enhanced: '5.4.4', reason };
}

/** Fisher–Yates shuffle with injected randomness (tests pass a seeded or fixed source). */
export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Sorts MX records by preference, shuffling each group of equal preference (RFC 5321 §5.1). */
export function orderMx<T extends { preference: number }>(records: T[], random: () => number): T[] {
  const levels = new Map<number, T[]>();
  for (const r of records) {
    const level = levels.get(r.preference) ?? [];
    level.push(r);
    levels.set(r.preference, level);
  }
  return [...levels.keys()].sort((a, b) => a - b).flatMap((p) => shuffle(levels.get(p) ?? [], random));
}

interface CacheEntry<T> {
  expires: number;
  value: Promise<T>;
}

export interface MxResolverOptions {
  resolver: DnsResolver;
  /** Milliseconds since the epoch; injected so tests can expire the cache without waiting. */
  now?: () => number;
  random?: () => number;
  /** How long an MX answer is reused (Node does not expose the MX TTL). */
  mxCacheMs?: number;
}

type AddrResult = { ok: true; addresses: string[] } | { ok: false; code: string };

/** Which address families to look up for the MX hosts. */
export interface AddressFamilies {
  v4: boolean;
  v6: boolean;
}
const BOTH_FAMILIES: AddressFamilies = { v4: true, v6: true };

/**
 * Resolves destinations to ordered MX hosts with addresses, caching every answer. Concurrent lookups of
 * the same name share one query.
 */
export class MxResolver {
  private readonly resolver: DnsResolver;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly mxCacheMs: number;
  private readonly mxCache = new Map<string, CacheEntry<MxLookup>>();
  private readonly addrCache = new Map<string, CacheEntry<AddrResult>>();

  constructor(opts: MxResolverOptions) {
    this.resolver = opts.resolver;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.mxCacheMs = opts.mxCacheMs ?? 300_000;
  }

  /**
   * The ordered mail exchangers of a domain (a fresh shuffle of equal preferences on every call). `families`
   * limits the address lookups (REQUIRE_V4 asks for AAAA, REQUIRE_V6 for A, only when no host has an address
   * of its own family, to tell a domain that has no address at all from one this row cannot use).
   */
  async resolve(domain: string, families: AddressFamilies = BOTH_FAMILIES): Promise<MxResult> {
    // A lookup error (SERVFAIL, time-out) is not an answer: it is not kept, as for address lookups.
    const lookupMs = (l: MxLookup): number => (l.kind === 'error' && !NO_NAME.has(l.code) ? 0 : this.mxCacheMs);
    const lookup = await this.cached(this.mxCache, domain, () => this.lookupMx(domain), lookupMs);
    if (lookup.kind === 'error') {
      const code = lookup.code;
      if (NO_NAME.has(code)) return { ok: false, status: 'bounced', enhanced: '5.1.2', reason: `Domain ${domain} does not exist (NXDOMAIN)` };
      return { ok: false, status: 'deferred', enhanced: '4.4.3', reason: `DNS lookup of MX for ${domain} failed: ${describe(code)}` };
    }
    if (lookup.kind === 'null') {
      return { ok: false, status: 'bounced', enhanced: '5.1.10', reason: `Domain ${domain} does not accept mail (null MX, RFC 7505)` };
    }
    const implicit = lookup.kind === 'implicit';
    const records = implicit ? [{ host: domain, preference: 0 }] : lookup.records;
    const ordered = orderMx(records, this.random);
    const hosts = await Promise.all(ordered.map((r) => this.hostAddresses(r.host, r.preference, families)));
    const addressless = (h: MxHost): boolean => h.v4.length === 0 && h.v6.length === 0;
    const noAddress = (list: MxHost[]): boolean => list.every((h) => addressless(h) && !h.lookupFailed);
    // Whether the domain has no address at all takes both families; the family not in use is asked only then.
    const bothFamilies = families.v4 && families.v6;
    const other: AddressFamilies = { v4: !families.v4, v6: !families.v6 };
    if (!implicit && hosts.every(addressless)) {
      // Under REQUIRE_V4/V6, MX hosts that have addresses of the other family only are not a dead domain but
      // unusable under this row: they are skipped and the message waits "like an unreachable host" (reference
      // §11; anchors §11 C.17 "REQUIRE_V6 with no AAAA → defer"), as for a domain without MX: route.ts names
      // them and the destination is deferred 4.4.4. Only MX hosts with no address at all bounce 5.4.4.
      const elsewhere = bothFamilies || !noAddress(hosts) ? [] : await Promise.all(ordered.map((r) => this.hostAddresses(r.host, r.preference, other)));
      // A failed lookup of the other family might have found that address (→ 4.4.4): it defers, never bounces.
      if (!elsewhere.some((h) => !addressless(h))) return noMxAddress(domain, [...hosts, ...elsewhere.filter((h) => h.lookupFailed)]);
    }
    if (implicit && noAddress(hosts) && (bothFamilies || noAddress([await this.hostAddresses(domain, 0, other)]))) {
      // No MX and no address: the domain exists but cannot receive mail (Postfix bounces this too).
      return { ok: false, status: 'bounced', enhanced: '5.1.2', reason: `Domain ${domain} has no MX and no A/AAAA records` };
    }
    return { ok: true, hosts, implicit };
  }

  /** The addresses of one host (cached), as an MX host of the given preference. */
  async hostAddresses(host: string, preference = 0, families: AddressFamilies = BOTH_FAMILIES): Promise<MxHost> {
    const none: Promise<AddrResult> = Promise.resolve({ ok: true, addresses: [] });
    const [a, aaaa] = await Promise.all([families.v4 ? this.lookupAddr(host, 4) : none, families.v6 ? this.lookupAddr(host, 6) : none]);
    const mx: MxHost = { host, preference, v4: a.ok ? a.addresses : [], v6: aaaa.ok ? aaaa.addresses : [] };
    const failed = [a, aaaa].find((r): r is { ok: false; code: string } => !r.ok && !NO_DATA.has(r.code) && !NO_NAME.has(r.code));
    if (mx.v4.length > 0 || mx.v6.length > 0) return mx;
    if (failed) mx.lookupFailed = `address lookup of ${host} failed: ${describe(failed.code)}`;
    const asked = [...(families.v4 ? [{ type: 'A' as const, result: a }] : []), ...(families.v6 ? [{ type: 'AAAA' as const, result: aaaa }] : [])];
    mx.noAddress = nameServiceError(host, asked);
    return mx;
  }

  private lookupAddr(host: string, family: 4 | 6): Promise<AddrResult> {
    if (isIP(host)) return Promise.resolve(isIP(host) === family ? { ok: true, addresses: [host] } : { ok: true, addresses: [] });
    const key = `${family} ${host}`;
    let ttlMs = 60_000;
    return this.cached(
      this.addrCache,
      key,
      async () => {
        try {
          const records = family === 4 ? await this.resolver.resolve4(host, { ttl: true }) : await this.resolver.resolve6(host, { ttl: true });
          ttlMs = Math.max(1, Math.min(...records.map((r) => r.ttl), 3600)) * 1000;
          return { ok: true, addresses: records.map((r) => r.address) };
        } catch (err) {
          ttlMs = NO_DATA.has(codeOf(err)) || NO_NAME.has(codeOf(err)) ? 60_000 : 0;
          return { ok: false, code: codeOf(err) };
        }
      },
      () => ttlMs,
    );
  }

  private async lookupMx(domain: string): Promise<MxLookup> {
    try {
      const records = await this.resolver.resolveMx(domain);
      const real = records.filter((r) => r.exchange !== '' && r.exchange !== '.');
      // RFC 7505: a single MX whose exchange is "." (Node returns '') says the domain takes no mail. A null
      // MX mixed with real ones is a misconfiguration; the real ones are used.
      if (real.length === 0 && records.length > 0) return { kind: 'null' };
      if (real.length === 0) return { kind: 'implicit' };
      return { kind: 'mx', records: real.map((r) => ({ host: r.exchange.toLowerCase().replace(/\.$/, ''), preference: r.priority })) };
    } catch (err) {
      const code = codeOf(err);
      if (NO_DATA.has(code)) return { kind: 'implicit' };
      return { kind: 'error', code };
    }
  }

  /** Reuses a live cache entry or starts one; failed temporary lookups (TTL 0) are not kept. */
  private cached<T>(cache: Map<string, CacheEntry<T>>, key: string, load: () => Promise<T>, ttl: (value: T) => number): Promise<T> {
    const hit = cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const entry: CacheEntry<T> = { expires: Number.POSITIVE_INFINITY, value: load() };
    cache.set(key, entry);
    void entry.value.then((value) => {
      const ms = ttl(value);
      if (ms <= 0) cache.delete(key);
      else entry.expires = this.now() + ms;
    });
    return entry.value;
  }
}

type MxLookup =
  | { kind: 'mx'; records: { host: string; preference: number }[] }
  | { kind: 'implicit' }
  | { kind: 'null' }
  | { kind: 'error'; code: string };
