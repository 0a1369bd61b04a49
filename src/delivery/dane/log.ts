// Mail-log lines of DANE, in the style of maillog.ts (reference §1.6). The appliance's `daneverify` prints
// `DANE SUCCESS for <domain>`; Postfix logs "Verified TLS connection" for a DNSSEC-secure MX and
// "Trusted" when only the host was secure (smtp_tls_dane_insecure_mx_policy = dane).
import type { DaneTlsInfo, TlsInfo } from '../types.js';
import { short } from './tlsa.js';

export const daneLines = {
  /** Before connecting: the level chosen for the host and why. */
  level: (host: string, why: string) => `DANE for ${host}: ${why}`,
  /** The host is not connected to (lookup error, or Mandatory without usable TLSA), with the RFC 8460 result type. */
  skipped: (host: string, reason: string, resultType: string) => `DANE for ${host}: ${reason}; host skipped [${resultType}]`,
  /** After the handshake of a DANE connection that may carry mail. */
  success: (dcid: number, host: string, dane: DaneTlsInfo) =>
    dane.record
      ? `DCID ${dcid} DANE SUCCESS for ${host}: ${dane.trust} TLSA ${short(dane.record)}`
      : `DCID ${dcid} DANE ${host}: TLS required by unusable TLSA records, certificate not checked`,
  /** A DANE connection that failed: no match, or TLS not reached (RFC 8460 result type in brackets). */
  failed: (dcid: number, host: string, tls: TlsInfo, reason: string) => {
    const dane = tls.dane as DaneTlsInfo;
    const resultType = dane.resultType ?? (tls.offered ? 'validation-failure' : 'starttls-not-supported');
    const why = dane.error ?? reason;
    return dane.level === 'encrypt'
      ? `DCID ${dcid} DANE ${host}: TLS required by unusable TLSA records failed: ${why} [${resultType}]`
      : `DCID ${dcid} DANE FAILED for ${host}: ${why} [${resultType}]`;
  },
};

/** The report's `tls.dane` words. */
export function reportDane(dane: DaneTlsInfo): string {
  if (dane.level === 'encrypt') return 'encrypt (TLSA records unusable, certificate not checked)';
  if (dane.record) return `${dane.trust} TLSA ${short(dane.record)}`;
  return `failed: ${dane.error ?? 'TLS was not established'}`;
}
