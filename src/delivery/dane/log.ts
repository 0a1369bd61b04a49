// Mail-log lines of DANE, in the style of maillog.ts (reference §1.6). The appliance's `daneverify` prints
// `DANE SUCCESS for <domain>`; Postfix logs "Verified TLS connection" for a DNSSEC-secure MX and
// "Trusted" when only the host was secure (smtp_tls_dane_insecure_mx_policy = dane).
import type { DaneTlsInfo } from '../types.js';
import { short } from './tlsa.js';

export const daneLines = {
  /** Before connecting: the level chosen for the host and why. */
  level: (host: string, why: string) => `DANE for ${host}: ${why}`,
  /** The host is not connected to (lookup error, or Mandatory without usable TLSA). */
  skipped: (host: string, reason: string) => `DANE for ${host}: ${reason}; host skipped`,
  /** After the handshake of a DANE connection. */
  result: (dcid: number, host: string, dane: DaneTlsInfo) =>
    dane.level === 'encrypt'
      ? `DCID ${dcid} DANE ${host}: TLS required by unusable TLSA records, certificate not checked`
      : dane.record
        ? `DCID ${dcid} DANE SUCCESS for ${host}: ${dane.trust} TLSA ${short(dane.record)}`
        : `DCID ${dcid} DANE FAILED for ${host}: ${dane.error ?? 'no TLSA record matched'}`,
};

/** The report's `tls.dane` words. */
export function reportDane(dane: DaneTlsInfo): string {
  if (dane.level === 'encrypt') return 'encrypt (TLSA records unusable, certificate not checked)';
  return dane.record ? `${dane.trust} TLSA ${short(dane.record)}` : `failed: ${dane.error ?? 'no TLSA record matched'}`;
}
