// The DANE level of one MX host under a row's DANE setting (RFC 7672 §2.2; reference §1.1 table and §1.5):
// the DNSSEC status of the MX RRset and of the host's address records, then, for a secure host only, its
// TLSA RRset at _PORT._tcp.<host>. Postfix's `dane` level for Opportunistic, `dane-only` for Mandatory:
//   usable secure TLSA            -> 'dane': STARTTLS mandatory, certificate must match, no fallback;
//   secure TLSA, none usable      -> 'encrypt' (Opportunistic) / defer (Mandatory);
//   no secure TLSA, insecure host -> the row's TLS setting (Opportunistic) / defer (Mandatory);
//   a lookup error (SERVFAIL, time-out) on the way -> this host is skipped, never downgraded.
// An insecure MX RRset pointing to a secure host still gets DANE (RFC 7672 §2.2.1 MAY; Postfix's default
// smtp_tls_dane_insecure_mx_policy = dane), logged "Trusted" instead of "Verified"; Mandatory defers it.
import type { DaneMode } from '../../table/types.js';
import type { DaneConnectPolicy } from '../types.js';
import { SecureDns, type SecureAnswer } from './secure-dns.js';
import { formatTlsa, isUsable, short, type TlsaRecord } from './tlsa.js';

/** RFC 8460 §4.4 result types of a DANE deferral, for the log (and a later TLSRPT). */
export type DaneResultType = 'dnssec-invalid' | 'dane-required' | 'tlsa-invalid';

export type HostDane =
  /** No DANE for this host: the row's TLS setting alone. `why` says why, for the log. */
  | { action: 'connect'; policy: null; why: string }
  | { action: 'connect'; policy: DaneConnectPolicy; why: string }
  /** Do not connect to this host: a lookup error, or Mandatory without usable secure TLSA. */
  | { action: 'defer'; reason: string; resultType: DaneResultType };

export interface DaneResolverOptions {
  dns: SecureDns;
  now?: () => number;
  /** Told each answer as it arrives (not cached ones): `daneverify` shows the lookups behind a level. */
  onAnswer?: (name: string, type: DaneQueryType, answer: SecureAnswer) => void;
}

export type DaneQueryType = 'MX' | 'A' | 'AAAA' | 'TLSA';

/** The TLSA records of an answer, usable or not. */
export function tlsaRecords(answer: SecureAnswer): TlsaRecord[] {
  return answer.answers.map((a) => {
    const d = (a as { data: { usage: number; selector: number; matchingType: number; certificate: Buffer } }).data;
    return { usage: d.usage, selector: d.selector, matchingType: d.matchingType, data: d.certificate };
  });
}

interface CacheEntry {
  expires: number;
  value: Promise<SecureAnswer>;
}

export class DaneResolver {
  private readonly dns: SecureDns;
  private readonly now: () => number;
  private readonly onAnswer: DaneResolverOptions['onAnswer'];
  private readonly cache = new Map<string, CacheEntry>();
  /** Every TLSA query sent, as `TLSA name` (tests check that insecure hosts get none). */
  readonly tlsaQueries: string[] = [];
  /** Hosts evaluated, and answers (not lookup errors) received / with AD, for validationWarning(). */
  private hostsEvaluated = 0;
  private answers = 0;
  private secureAnswers = 0;

  constructor(opts: DaneResolverOptions) {
    this.dns = opts.dns;
    this.now = opts.now ?? Date.now;
    this.onAnswer = opts.onAnswer;
  }

  /** The resolver whose AD bits decide, as `host:port`, and whether they are believed. */
  get resolver(): { server: string; trusted: boolean } {
    return { server: `${this.dns.host}:${this.dns.port}`, trusted: this.dns.trustsAd };
  }

  /**
   * The DANE level of `mxHost` (an MX host of `domain`, or `domain` itself as the implicit MX) for a
   * connection to an address of `family` on `port`. `mode` is the row's DANE setting, not 'no'.
   */
  async forHost(mode: Exclude<DaneMode, 'no'>, domain: string, mxHost: string, family: 4 | 6, port: number): Promise<HostDane> {
    this.hostsEvaluated++;
    const mandatory = mode === 'mandatory';
    const refuse = (reason: string, resultType: DaneResultType): HostDane => ({ action: 'defer', reason, resultType });
    const noDane = (why: string): HostDane =>
      mandatory ? refuse(`DANE is mandatory, but ${why}`, 'dane-required') : { action: 'connect', policy: null, why };
    if (!mxHost) return noDane(`${domain} is an address literal (no TLSA base domain)`);
    if (!this.dns.trustsAd) return noDane(`the resolver ${this.resolver.server} is not on loopback, so its DNSSEC (AD) answers are not trusted`);

    const mx = await this.query(domain, 'MX');
    if (mx.result === 'failure') return refuse(`MX lookup error for ${domain}: ${mx.failure}`, 'dnssec-invalid');
    const mxSecure = mx.security === 'secure';
    // dane-only refuses an insecure MX RRset outright (Postfix: "non DNSSEC destination").
    if (!mxSecure && mandatory) return refuse(`DANE is mandatory, but the MX records of ${domain} are not DNSSEC-signed (non DNSSEC destination)`, 'dane-required');

    const address = await this.query(mxHost, family === 4 ? 'A' : 'AAAA');
    if (address.result === 'failure') return refuse(`address lookup error for ${mxHost}: ${address.failure}`, 'dnssec-invalid');
    // No TLSA query for an insecure host: broken name servers mishandle them (RFC 7672 §2.2.2, Postfix).
    if (address.security !== 'secure') return noDane(`the address records of ${mxHost} are not DNSSEC-signed (non DNSSEC destination)`);

    // A secure CNAME chain (AD covers every link): the expanded name is the TLSA base domain first, the
    // name as published second (RFC 7672 §2.2.3, RFC 7671 §7).
    const expanded = address.cnames.at(-1);
    const bases = expanded && expanded !== mxHost ? [expanded, mxHost] : [mxHost];
    let base = mxHost;
    let tlsa: SecureAnswer | null = null;
    for (const candidate of bases) {
      base = candidate;
      this.tlsaQueries.push(`TLSA _${port}._tcp.${candidate}`);
      tlsa = await this.query(`_${port}._tcp.${candidate}`, 'TLSA');
      if (tlsa.result === 'failure') return refuse(`TLSA lookup error for ${candidate}:${port}: ${tlsa.failure}`, 'dnssec-invalid');
      if (tlsa.security === 'secure' && tlsa.result === 'answer') break;
    }
    if (!tlsa || tlsa.security !== 'secure') return noDane(`the TLSA records of ${base} are not DNSSEC-signed and are ignored`);
    if (tlsa.result !== 'answer') return noDane(`no TLSA records found for ${bases.join(' or ')}:${port}`);

    const records = tlsaRecords(tlsa);
    const usable = records.filter(isUsable);
    const trust = mxSecure ? 'Verified' : 'Trusted';
    if (usable.length === 0) {
      if (mandatory) return refuse(`DANE is mandatory, but the TLSA records of ${base}:${port} are unusable (${records.map(formatTlsa).map(short).join(', ')})`, 'tlsa-invalid');
      // RFC 7672 §3: secure but unusable TLSA still says the server does TLS: mandatory, unauthenticated.
      return { action: 'connect', policy: { level: 'encrypt', tlsa: [], names: [], trust, baseDomain: base }, why: `the TLSA records of ${base}:${port} are all unusable: TLS required, certificate not checked` };
    }
    return {
      action: 'connect',
      // DANE-TA names: the TLSA base domain, the MX host as published and as expanded, and the next-hop
      // domain (Postfix "nexthop, hostname"; its dane_init adds the MX name and its CNAME expansion).
      policy: { level: 'dane', tlsa: usable, names: [...new Set([base, mxHost, ...(expanded ? [expanded] : []), domain])], trust, baseDomain: base },
      why: `${usable.length} usable TLSA record${usable.length === 1 ? '' : 's'} for ${base}:${port}${base === mxHost ? '' : ` (CNAME of ${mxHost})`}${mxSecure ? '' : ' (MX records not signed: Trusted, not Verified)'}`,
    };
  }

  /**
   * After a run: a warning when DANE rows were served but the resolver never vouched for an answer, the
   * sign of a resolver that does not validate (Postfix probes for this and logs "DNSSEC validation may be
   * unavailable"); null when all is well or DANE was never asked.
   */
  validationWarning(): string | null {
    if (this.hostsEvaluated === 0) return null;
    if (!this.dns.trustsAd) return `DANE: the resolver ${this.resolver.server} is not on loopback; its DNSSEC answers are not trusted, so DANE did not apply in this run`;
    if (this.validatedNothing)
      return `DANE: the resolver ${this.resolver.server} gave no DNSSEC-validated (AD) answer in this run: DNSSEC validation may be unavailable, so DANE did not apply`;
    return null;
  }

  /** The resolver answered but never set AD: the sign of one that does not validate DNSSEC. */
  get validatedNothing(): boolean {
    return this.answers > 0 && this.secureAnswers === 0;
  }

  /** Answers cached for their TTL (secure and insecure alike); lookup errors are never kept (reference §2.2). */
  private query(name: string, type: DaneQueryType): Promise<SecureAnswer> {
    const key = `${type} ${name.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const entry: CacheEntry = { expires: Number.POSITIVE_INFINITY, value: this.dns.query(name, type) };
    this.cache.set(key, entry);
    void entry.value.then((answer) => {
      this.onAnswer?.(name, type, answer);
      if (answer.result !== 'failure') this.answers++;
      if (answer.security === 'secure') this.secureAnswers++;
      if (answer.result === 'failure') this.cache.delete(key);
      else entry.expires = this.now() + Math.max(1, Math.min(answer.ttl, 3600)) * 1000;
    });
    return entry.value;
  }
}
