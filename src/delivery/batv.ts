// Bounce Address Tag Validation (BATV, draft-levine-smtp-batv-01, "prvs" scheme) as the appliance applies it
// when the row's bounce verification is on (reference §10): the envelope sender `local@domain` becomes
// `prvs=KDDDSSSSSS=local@domain`, where K is the key number, DDD the day number (mod 1000) the tag expires,
// and SSSSSS the first three bytes of HMAC-SHA1 over K, DDD and the original address. An address already
// tagged (and the null sender) is left alone ("AsyncOS does not add another tag"). The key never leaves this
// module: it is not printed, logged or exported.
import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { ensureSecret } from '../store/index.js';

/** Tags stay valid for 7 days, as the appliance accepts tags for 7 days (reference §10). */
const VALID_DAYS = 7;
const DAY_MS = 86_400_000;

/** A tag at the start of the local part, inside its quotes when it is a Quoted-string. */
export function isTagged(address: string): boolean {
  return /^"?(prvs|msprvs\d?)=/i.test(address);
}

/**
 * The first three bytes of the HMAC, in hex. A non-ASCII domain counts as its A-label: without SMTPUTF8 the
 * sender goes out in that form (envelope-address.ts) and bounces come back to it, so a tag must verify on
 * either form. ASCII addresses are taken as they are.
 */
function tagMac(key: Buffer, k: string, day: string, address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  const aLabel = /[^\x00-\x7f]/.test(domain) ? domainToASCII(domain) : '';
  const canonical = aLabel ? `${address.slice(0, at)}@${aLabel}` : address;
  return createHmac('sha1', key).update(`${k}${day}${canonical}`).digest('hex').slice(0, 6).toUpperCase();
}

/** Tags an envelope sender. `now` is injected so tags are reproducible in tests. */
export function batvTag(address: string, key: Buffer, now: Date, keyNumber = 0): string {
  if (address === '' || isTagged(address)) return address;
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const day = String((Math.floor(now.getTime() / DAY_MS) + VALID_DAYS) % 1000).padStart(3, '0');
  const k = String(keyNumber % 10);
  const mac = tagMac(key, k, day, address);
  // A quoted local part (`"j@home"@d`) takes the tag inside its quotes: `prvs=TAG="j@home"@d` would be
  // neither a Dot-string nor a Quoted-string (RFC 5321 §4.1.2), and strict servers refuse it.
  const local = address.slice(0, at);
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) return `"prvs=${k}${day}${mac}=${address.slice(1)}`;
  return `prvs=${k}${day}${mac}=${address}`;
}

/** Checks a tag made by batvTag (used by tests; the appliance's inbound side does the same). */
export function batvValid(tagged: string, key: Buffer, now: Date): boolean {
  const m = /^("?)prvs=(\d)(\d{3})([0-9A-F]{6})=(.+)$/i.exec(tagged);
  if (!m) return false;
  const [, quote = '', k = '', day = '', mac = '', rest = ''] = m;
  const address = `${quote}${rest}`;
  if (tagMac(key, k, day, address) !== mac.toUpperCase()) return false;
  const today = Math.floor(now.getTime() / DAY_MS) % 1000;
  const left = (Number(day) - today + 1000) % 1000;
  return left <= VALID_DAYS;
}

/** The BATV key: the store's `batv` secret in `<home>/secrets.json`, generated on first use. */
export function loadBatvKey(home: string): Promise<Buffer> {
  return ensureSecret(home, 'batv');
}
