// TLSA records (RFC 6698, acronyms RFC 7218) as SMTP uses them (RFC 7672 §3): which records are usable,
// the association data of a certificate, and the match of a server's chain against a usable RRset.
// DANE-EE(3): the leaf (or its key) matches, nothing else is checked (RFC 7672 §3.1.1: no name, no expiry,
// no chain). DANE-TA(2): a chain from the leaf to the certificate the record names, within validity, CA
// flags on the issuers, and the leaf names the TLSA base domain or the next-hop domain (§3.1.2, §3.2.3;
// Postfix "nexthop, hostname"). PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (§3.1.3). Pure.
import { X509Certificate, createHash } from 'node:crypto';

export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  data: Buffer;
}

/** Caps on what an RRset or a chain may make us loop over (reference §1.3 "harden"). */
const MAX_RECORDS = 64;
const MAX_CHAIN = 10;

const DIGEST_LENGTH: Record<number, number> = { 1: 32, 2: 64 };

/** Usable for SMTP: usage 2 or 3, selector 0 or 1, matching type 0/1/2 with the digest's length. */
export function isUsable(r: TlsaRecord): boolean {
  if (r.usage !== 2 && r.usage !== 3) return false;
  if (r.selector !== 0 && r.selector !== 1) return false;
  if (r.matchingType === 0) return r.data.length > 0;
  return DIGEST_LENGTH[r.matchingType] === r.data.length;
}

/** `3 1 1 <hex>`, the presentation form (also TLSRPT's policy-string). */
export function formatTlsa(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex')}`;
}

const USAGE_NAMES: Record<number, string> = { 0: 'PKIX-TA', 1: 'PKIX-EE', 2: 'DANE-TA', 3: 'DANE-EE' };
export const usageName = (usage: number): string => USAGE_NAMES[usage] ?? `usage ${usage}`;
const SELECTOR_NAMES: Record<number, string> = { 0: 'Cert', 1: 'SPKI' };
export const selectorName = (selector: number): string => SELECTOR_NAMES[selector] ?? `selector ${selector}`;
const MATCHING_NAMES: Record<number, string> = { 0: 'Full', 1: 'SHA2-256', 2: 'SHA2-512' };
export const matchingName = (matchingType: number): string => MATCHING_NAMES[matchingType] ?? `matching type ${matchingType}`;

/** The association data of a certificate under a selector and matching type (reference §1.3). */
export function associationData(cert: X509Certificate, selector: number, matchingType: number): Buffer {
  const der = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  if (matchingType === 0) return der;
  return createHash(matchingType === 1 ? 'sha256' : 'sha512').update(der).digest();
}

const matches = (cert: X509Certificate, r: TlsaRecord): boolean => associationData(cert, r.selector, r.matchingType).equals(r.data);

export type DaneMatch =
  | { ok: true; usage: 2 | 3; record: TlsaRecord; matchedName?: string }
  | { ok: false; reason: string; resultType: 'validation-failure' | 'certificate-host-mismatch' | 'certificate-expired' | 'certificate-not-trusted' };

function withinValidity(c: X509Certificate, now: number): boolean {
  return Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
}

/** `issuer` signed `cert` and may issue certificates (CA flag). */
function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Matches a server chain (leaf first, as the server sent it) against the usable records. `names`: the
 * names a DANE-TA leaf may carry (the TLSA base domain, i.e. the MX host, and the next-hop domain).
 */
export function daneMatch(chain: X509Certificate[], records: TlsaRecord[], names: string[], now: number = Date.now()): DaneMatch {
  const usable = records.filter(isUsable).slice(0, MAX_RECORDS);
  const certs = chain.slice(0, MAX_CHAIN);
  const leaf = certs[0];
  if (!leaf) return { ok: false, reason: 'no certificate presented', resultType: 'validation-failure' };
  for (const r of usable) if (r.usage === 3 && matches(leaf, r)) return { ok: true, usage: 3, record: r };

  // DANE-TA: the first failure cause seen is the one reported when no record succeeds.
  let cause: DaneMatch | null = null;
  for (const r of usable.filter((u) => u.usage === 2)) {
    let index = certs.findIndex((c, k) => k > 0 && matches(c, r));
    let anchor = index > 0 ? certs[index] : undefined;
    // `2 0 0` carries the whole anchor certificate: usable even when the server leaves it out (mox).
    if (!anchor && r.selector === 0 && r.matchingType === 0) {
      try {
        anchor = new X509Certificate(r.data);
        index = certs.length;
      } catch {
        anchor = undefined;
      }
    }
    if (!anchor) continue;
    // The path leaf .. anchor: each signed by the next, each issuer a CA, every one within validity
    // (the anchor's own dates are not checked: it is taken on trust, RFC 7671 §5.2.2).
    const path = [...certs.slice(0, index), anchor];
    let broken: DaneMatch | null = null;
    for (let k = 0; k + 1 < path.length && !broken; k++) {
      const cert = path[k] as X509Certificate;
      const issuer = path[k + 1] as X509Certificate;
      if (!signedBy(cert, issuer) || (k + 1 < path.length - 1 && !issuer.ca))
        broken = { ok: false, reason: `DANE-TA: the chain does not lead to the trust anchor of TLSA ${formatTlsa(r)}`, resultType: 'certificate-not-trusted' };
      else if (!withinValidity(cert, now))
        broken = { ok: false, reason: `DANE-TA: certificate ${cert.subject.replace(/\n/g, ', ')} is outside its validity period (${cert.validFrom} - ${cert.validTo})`, resultType: 'certificate-expired' };
    }
    if (broken) {
      cause ??= broken;
      continue;
    }
    const matchedName = names.find((n) => leaf.checkHost(n, { wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined);
    if (matchedName) return { ok: true, usage: 2, record: r, matchedName };
    cause ??= { ok: false, reason: `DANE-TA: the certificate names neither ${names.join(' nor ')}`, resultType: 'certificate-host-mismatch' };
  }
  return cause ?? { ok: false, reason: 'no TLSA record matches the server certificate chain', resultType: 'validation-failure' };
}

/** A TLSA record for a log line: the data shortened to 16 hex digits. */
export function short(presentation: string): string {
  const parts = presentation.split(' ');
  const data = parts[3] ?? '';
  return data.length > 16 ? `${parts.slice(0, 3).join(' ')} ${data.slice(0, 16)}...` : presentation;
}
