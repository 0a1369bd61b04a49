// Destination-key normalisation, shared by the shell, the file importer, the command line and lookup.
// The appliance accepts "a valid domain name (suffix) or IP address" and shows IP entries in brackets
// (reference §4, §6). Leading-dot entries mean "every subdomain" (reference §6, Postfix-style parent match).
import { domainToASCII } from 'node:url';
import { isIPv4Address as isIPv4, isIPv6Address as isIPv6 } from './ip.js';
import type { Parsed } from './fields.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-cases, strips one trailing dot, converts IDN to A-labels; null when not a valid host name. */
export function normaliseHostname(raw: string): string | null {
  let s = raw.trim();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '' || s.length > 253) return null;
  // domainToASCII performs UTS #46 mapping (lower-casing, punycode); it returns '' for invalid input.
  let ascii = /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : domainToASCII(s);
  // RFC 5891 §5.4: a label starting with "xn--" must be a valid A-label. domainToASCII checks that (and
  // returns '' when one is not); an all-ASCII name skipped it above, so one holding an A-label is checked
  // too, or `xn--a.example` would be accepted while `xn--a.bücher.example` is refused.
  if (/(?:^|\.)xn--/.test(ascii) && domainToASCII(ascii) === '') return null;
  // UTS #46 maps the ideographic and full-width full stops to "."; one at the end is the trailing dot of a
  // fully qualified name, as an ASCII one is (stripped above), when the ASCII dot was not also there.
  if (ascii.endsWith('.') && !raw.trim().endsWith('.')) ascii = ascii.slice(0, -1);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 1 || !labels.every((l) => LABEL.test(l) || /^_[a-z0-9-]{1,62}$/.test(l))) return null;
  // A name made only of digits and dots is an IPv4 address, not a domain.
  if (/^[0-9.]+$/.test(ascii)) return null;
  return ascii;
}

/**
 * Bracketed form of an IP literal: `[192.0.2.1]`, `[2001:db8::1]`: the address
 * in brackets, as the appliance shows IP entries (RFC 5321's `IPv6:` tag is accepted on input, not stored).
 * IPv6 is written in its canonical text form (RFC 5952: lower case, zeros compressed), so one address has
 * one key however it was typed.
 */
export function ipLiteral(ip: string): string {
  return isIPv6(ip) ? `[${canonicalIPv6(ip)}]` : `[${ip}]`;
}

function canonicalIPv6(ip: string): string {
  // A zone index (fe80::1%eth0) is an interface name, case-sensitive on Linux: kept as typed.
  const zoneAt = ip.indexOf('%');
  const address = zoneAt < 0 ? ip : ip.slice(0, zoneAt);
  const zone = zoneAt < 0 ? '' : ip.slice(zoneAt);
  let text: string;
  try {
    // The WHATWG URL parser serialises IPv6 hosts in RFC 5952 form (lower case, longest zero run compressed).
    text = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase() + zone;
  }
  // RFC 5952 §5: an IPv4-mapped address is written with its IPv4 part as a dotted quad, which the URL
  // serialiser does not do (::ffff:c000:207 -> ::ffff:192.0.2.7).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped) {
    const hi = parseInt(mapped[1] as string, 16);
    const lo = parseInt(mapped[2] as string, 16);
    text = `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return text + zone;
}

/**
 * Normalises a destination as typed by an operator or read from a file section name:
 * `Example.COM.` -> `example.com`; `.Example.com` -> `.example.com`; `192.0.2.1` or `[192.0.2.1]` ->
 * `[192.0.2.1]`; `2001:DB8::1`, `[2001:db8::1]` or `[IPv6:2001:db8::1]` -> `[2001:db8::1]`;
 * IDN -> A-labels. The words `default` and `all` are not destinations (DETAIL uses them).
 */
export function normaliseDestination(raw: string): Parsed<string> {
  // Fast path: a key already in normal form (every key the store loads, most typed ones) is returned as it
  // is, without the IP checks below.
  if (isPlainHostname(raw, raw.startsWith('.') ? 1 : 0)) return { ok: true, value: raw };
  const s = raw.trim();
  const bad = (why: string): Parsed<string> => ({ ok: false, error: `Invalid destination ${JSON.stringify(s)}: ${why}` });
  if (s === '') return bad('a domain name or IP address is required.');
  if (/\s/.test(s)) return bad('it must not contain spaces.');
  let inner = s;
  const bracketed = /^\[(.*)\]$/.exec(s);
  if (bracketed) inner = bracketed[1] ?? '';
  const v6 = /^ipv6:(.*)$/i.exec(inner);
  if (v6 && bracketed) {
    const ip = v6[1] ?? '';
    return isIPv6(ip) ? { ok: true, value: ipLiteral(ip) } : bad('not a valid IPv6 address.');
  }
  if (isIPv4(inner)) return { ok: true, value: ipLiteral(inner) };
  if (isIPv6(inner)) return { ok: true, value: ipLiteral(inner) };
  if (bracketed) return bad('brackets must hold an IPv4 or IPv6 address.');
  if (/^[0-9.]+$/.test(s)) return bad('not a valid IPv4 address.');
  // A host name never holds a colon: the operator was typing an IPv6 address.
  if (s.includes(':')) return bad('not a valid IPv6 address.');
  const dotted = s.startsWith('.');
  const host = normaliseHostname(dotted ? s.slice(1) : s);
  if (host === null) return bad('not a valid domain name (letters, digits and hyphens in dot-separated labels).');
  if (host === 'default' || host === 'all') return bad(`"${host}" is reserved.`);
  return { ok: true, value: dotted ? `.${host}` : host };
}

/**
 * The destination a recipient address is governed by: the normalised domain part, or the bracketed
 * literal for `user@[192.0.2.1]`. Accepts a bare domain too. Null when the address has no usable domain.
 */
export function recipientDestination(recipientOrDomain: string): string | null {
  // Fast path (the delivery client calls this once per recipient): a domain part already in normal form is
  // returned as it is, without the trim, regular expressions and IDN mapping below.
  const start = recipientOrDomain.lastIndexOf('@') + 1;
  if (isPlainHostname(recipientOrDomain, start)) return start > 0 ? recipientOrDomain.slice(start) : recipientOrDomain;
  const s = recipientOrDomain.trim();
  const at2 = s.lastIndexOf('@');
  const domain = at2 >= 0 ? s.slice(at2 + 1) : s;
  if (domain.startsWith('.')) return null;
  const r = normaliseDestination(domain);
  return r.ok ? r.value : null;
}

/** Character codes of the host-name checks (also lookup-index.ts's one-pass recipient check). */
export const CODE_a = 0x61;
export const CODE_z = 0x7a;
export const CODE_0 = 0x30;
export const CODE_9 = 0x39;
export const CODE_HYPHEN = 0x2d;
export const CODE_DOT = 0x2e;

/**
 * True when `s` from `start` to its end is a host name that normaliseHostname would return unchanged and
 * normaliseDestination would accept as a domain: lower-case ASCII letters, digits and hyphens in labels of
 * 1..63 characters that neither start nor end with a hyphen nor start with `xn--` (an A-label, checked by
 * the full path), at most 253 characters, at least one letter (so not an IPv4 address), no trailing dot, not
 * a reserved word. Anything else (upper case, IDN, `_`, IP
 * literals, spaces) returns false and takes the full path. One pass over the characters, no allocation.
 */
export function isPlainHostname(s: string, start: number): boolean {
  const end = s.length;
  if (end - start < 1 || end - start > 253) return false;
  let labelStart = start;
  let letter = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= CODE_a && c <= CODE_z) letter = true;
    else if (c === CODE_DOT) {
      if (i === labelStart || i - labelStart > 63 || s.charCodeAt(i - 1) === CODE_HYPHEN) return false;
      labelStart = i + 1;
    } else if (c === CODE_HYPHEN) {
      // A label starting with "xn--" is an A-label, which the full path checks (normaliseHostname).
      if (i === labelStart || (i === labelStart + 3 && isAceHyphens(s, labelStart))) return false;
    } else if (c < CODE_0 || c > CODE_9) return false;
  }
  if (labelStart === end || end - labelStart > 63 || s.charCodeAt(end - 1) === CODE_HYPHEN) return false;
  return letter && !isReservedWordAt(s, start, end);
}

/** True when the label starting at `from` starts with the ACE prefix `xn--` (RFC 5890 §2.3.2.5). */
export function isAceHyphens(s: string, from: number): boolean {
  return s.charCodeAt(from + 3) === CODE_HYPHEN && s.charCodeAt(from + 2) === CODE_HYPHEN && s.startsWith('xn', from);
}

/** True when s[start, end) is `default` or `all`: words of the dialogue, never destinations (normaliseDestination refuses them). */
export function isReservedWordAt(s: string, start: number, end: number): boolean {
  const len = end - start;
  return (len === 7 && s.startsWith('default', start)) || (len === 3 && s.startsWith('all', start));
}

/** True for `[...]` keys. */
export function isIpDestination(dest: string): boolean {
  return dest.startsWith('[');
}

/** The IP address inside a bracketed destination, or null. */
export function ipOfDestination(dest: string): string | null {
  const m = /^\[(?:ipv6:)?(.*)\]$/.exec(dest);
  return m ? (m[1] ?? null) : null;
}
