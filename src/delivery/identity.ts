// Certificate identity matching for MTA-to-MTA TLS (reference §7.3, RFC 6125 §6.4, RFC 9525 §6.3).
// Pure: it takes the certificate's names and the reference identities and says which presented name
// matched which reference. Node's tls.checkServerIdentity is deliberately not used: it accepts partial
// wildcards (`f*o.example.com`), knows only one reference name, and has no Verify/Hosted profiles.
import type { IdentityProfile } from './tls-policy.js';

/** The parts of a peer certificate the matcher reads (a subset of node:tls PeerCertificate). */
export interface CertificateNames {
  subject?: { CN?: string | string[] } | null;
  /** Node's rendering of subjectAltName: `DNS:a.example, DNS:"b,c", IP Address:192.0.2.1`. */
  subjectaltname?: string;
}

export interface IdentityMatch {
  /** The presented identity (SAN DNS name or CN) that matched. */
  presented: string;
  /** The reference identity it matched (recipient domain or MX host). */
  reference: string;
}

/**
 * Splits Node's subjectaltname string into `TYPE:value` entries. Node quotes a value that contains a
 * comma, quote or backslash (JSON string syntax) since the CVE-2021-44533 fix, so split with care.
 */
export function parseSubjectAltNames(subjectaltname: string | undefined): { type: string; value: string }[] {
  if (!subjectaltname) return [];
  const entries: { type: string; value: string }[] = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(subjectaltname)) !== null && match[0].length > 0) {
    const type = (match[1] ?? '').trim();
    let value = match[2] ?? '';
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    entries.push({ type, value });
    if (pattern.lastIndex >= subjectaltname.length) break;
  }
  return entries;
}

/** subjectAltName dNSName entries, in certificate order. */
export function dnsNames(cert: CertificateNames): string[] {
  return parseSubjectAltNames(cert.subjectaltname)
    .filter((entry) => entry.type === 'DNS')
    .map((entry) => entry.value);
}

/** Subject common names (a certificate may carry several CN attributes). */
export function commonNames(cert: CertificateNames): string[] {
  const cn = cert.subject?.CN;
  if (cn === undefined) return [];
  return Array.isArray(cn) ? cn : [cn];
}

/**
 * Presented identities under a profile. Verify: SAN DNS names, then the subject CN (the legacy
 * appliance algorithm consults both). Hosted: SAN DNS names only; the CN only when the certificate has
 * no DNS name at all (RFC 6125 §6.4.4, Cisco doc 200537).
 */
export function presentedIdentities(cert: CertificateNames, profile: IdentityProfile): string[] {
  const dns = dnsNames(cert);
  const cns = commonNames(cert);
  if (profile === 'hosted') return dns.length > 0 ? dns : cns;
  return [...dns, ...cns.filter((cn) => !dns.includes(cn))];
}

function canonical(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Does one presented name match one reference identity? Case-insensitive; a trailing dot is ignored.
 * A wildcard is accepted only as the whole left-most label (`*.example.com`), matches exactly one
 * non-empty label, never the bare parent, and needs at least two labels after it (no `*.com`).
 * Partial-label wildcards (`f*o.example.com`, `*x.example.com`) and wildcards elsewhere never match.
 */
export function nameMatches(presented: string, reference: string): boolean {
  const pattern = canonical(presented);
  const host = canonical(reference);
  if (pattern === '' || host === '') return false;
  if (!pattern.includes('*')) return pattern === host;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(2);
  if (suffix.includes('*') || suffix.split('.').length < 2 || suffix.split('.').some((label) => label === '')) {
    return false;
  }
  const dot = host.indexOf('.');
  if (dot <= 0) return false;
  return host.slice(dot + 1) === suffix;
}

/**
 * The first match, trying reference identities in order (recipient domain first, then MX host) and,
 * for each, the presented identities in profile order. Each algorithm stops at the first success
 * (Cisco doc 200537). Returns null when nothing matches.
 */
export function matchIdentity(
  cert: CertificateNames,
  referenceIds: readonly string[],
  profile: IdentityProfile,
): IdentityMatch | null {
  const presented = presentedIdentities(cert, profile);
  for (const reference of referenceIds) {
    if (!reference || reference.startsWith('[')) continue; // IP literals never match a DNS identity
    for (const name of presented) {
      if (nameMatches(name, reference)) return { presented: name, reference };
    }
  }
  return null;
}
