// An envelope address as it may go on the wire to a server that did not offer SMTPUTF8 (RFC 6531 §3.2):
// without that extension an address must be ASCII. A non-ASCII domain has an ASCII form, its A-label
// (RFC 5890, the form DNS routing already used), and goes out in it; a non-ASCII local part has none, so
// the address cannot be sent there. Postfix does the same: domains converted, and a message that needs
// SMTPUTF8 bounced "5.6.7 SMTPUTF8 is required, but was not offered by host".
import { domainToASCII } from 'node:url';

const NON_ASCII = /[^\x00-\x7f]/;

/** The address for a server without SMTPUTF8, or why it has none. ASCII addresses come back as they are. */
export function asciiEnvelopeAddress(address: string): { ok: true; address: string } | { ok: false; reason: string } {
  if (!NON_ASCII.test(address)) return { ok: true, address };
  // The domain follows the last @ (a quoted local part may hold one).
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? '' : address.slice(at + 1);
  if (NON_ASCII.test(local)) {
    return { ok: false, reason: `5.6.7 ${JSON.stringify(address)} has a non-ASCII local part: SMTPUTF8 is required, but was not offered by the host (RFC 6531)` };
  }
  const aLabel = domainToASCII(domain);
  if (aLabel === '') return { ok: false, reason: `5.1.2 ${JSON.stringify(address)} has a domain with no ASCII form (IDNA, RFC 5890)` };
  return { ok: true, address: `${local}@${aLabel}` };
}

/** True when the address is all ASCII: it goes as given, with or without SMTPUTF8; false when it needs SMTPUTF8 or conversion. */
export function isAsciiAddress(address: string): boolean {
  return !NON_ASCII.test(address);
}

/**
 * The address as it goes on the wire: a final dot after the domain dropped (RFC 5321's Domain has none;
 * Postfix strips it too), then as given when the server offers SMTPUTF8 or it is ASCII, else with its
 * domain's A-label (send() has already refused the addresses that have no ASCII form: needsSmtputf8).
 */
export function wireAddress(address: string, smtputf8: boolean): string {
  const plain = address.charCodeAt(address.length - 1) === 0x2e && address.lastIndexOf('@') > 0 ? address.slice(0, -1) : address;
  if (smtputf8 || isAsciiAddress(plain)) return plain;
  const ascii = asciiEnvelopeAddress(plain);
  return ascii.ok ? ascii.address : plain;
}

/** Why the address cannot go to a server without SMTPUTF8 (RFC 6531 §3.2), or null when it can. */
export function needsSmtputf8(address: string, smtputf8: boolean): string | null {
  if (smtputf8 || isAsciiAddress(address)) return null;
  const ascii = asciiEnvelopeAddress(address);
  return ascii.ok ? null : ascii.reason;
}
