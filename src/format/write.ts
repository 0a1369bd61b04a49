// Export: the table model -> ESA table file text, byte-stable. [DEFAULT] first, then one section per
// destination in the shell's LIST order, one `key = value` per line in FILE_KEYS order, words (never
// number forms) for every enumerated value. The only varying bytes are the time in the header comment.
import { DEFAULT, type DefaultRow, type DestEntry, type DestTable } from '../table/types.js';
import { ipOfDestination, isIpDestination } from '../table/domain.js';
import { compareDestinations } from '../table/render.js';
import { DANE_WORDS, LIMIT_APPLY_WORDS, LIMIT_TYPE_WORDS, SYSTEM_BOUNCE_PROFILE, TLS_WORDS, boolWord, type FileKey } from './keys.js';

export type Setting = readonly [FileKey, string];

/** The [DEFAULT] section's settings. Keys whose absence means the same (dane_option none, no recipient
 *  limit, the system bounce profile) are left out, so the file also imports on appliances without DANE. */
export function defaultSettings(d: DefaultRow): Setting[] {
  const out: Setting[] = [
    ['ip_sort_pref', d.ipSortPref],
    ['max_host_concurrency', String(d.maxConcurrency)],
    ['max_messages_per_connection', String(d.maxMessagesPerConnection)],
  ];
  if (d.recipientLimit) {
    out.push(['recipient_minutes', String(d.recipientLimit.minutes)], ['recipient_limit', String(d.recipientLimit.limit)]);
  }
  out.push(['limit_type', LIMIT_TYPE_WORDS[d.limitType]], ['limit_apply', LIMIT_APPLY_WORDS[d.limitApply]], ['table_tls', TLS_WORDS[d.tls]]);
  if (d.dane !== 'no') out.push(['dane_option', DANE_WORDS[d.dane]]);
  out.push(['bounce_validation', boolWord(d.bounceVerification)]);
  if (d.bounceProfile !== SYSTEM_BOUNCE_PROFILE) out.push(['bounce_profile', d.bounceProfile]);
  return out;
}

/**
 * A destination section's settings: only the fields the entry sets. limit_type and limit_apply are written
 * with max_host_concurrency or recipient_limit, which need them (reference §8.1); an entry that sets a
 * limit but inherits how it applies gets the Default row's value written out, so the file imports.
 */
export function entrySettings(e: DestEntry, d: DefaultRow): Setting[] {
  const out: Setting[] = [];
  if (e.ipSortPref !== DEFAULT) out.push(['ip_sort_pref', e.ipSortPref]);
  if (e.maxConcurrency !== DEFAULT) out.push(['max_host_concurrency', String(e.maxConcurrency)]);
  if (e.maxMessagesPerConnection !== DEFAULT) out.push(['max_messages_per_connection', String(e.maxMessagesPerConnection)]);
  if (e.recipientLimit !== DEFAULT) {
    out.push(['recipient_minutes', String(e.recipientLimit.minutes)], ['recipient_limit', String(e.recipientLimit.limit)]);
  }
  if (e.maxConcurrency !== DEFAULT || e.recipientLimit !== DEFAULT) {
    out.push(['limit_type', LIMIT_TYPE_WORDS[e.limitType === DEFAULT ? d.limitType : e.limitType]]);
    out.push(['limit_apply', LIMIT_APPLY_WORDS[e.limitApply === DEFAULT ? d.limitApply : e.limitApply]]);
  }
  if (e.tls !== DEFAULT) out.push(['table_tls', TLS_WORDS[e.tls]]);
  if (e.dane !== DEFAULT) out.push(['dane_option', DANE_WORDS[e.dane]]);
  if (e.bounceVerification !== DEFAULT) out.push(['bounce_validation', boolWord(e.bounceVerification)]);
  if (e.bounceProfile !== DEFAULT) out.push(['bounce_profile', e.bounceProfile]);
  return out;
}

/** The section header for a destination: IP entries are written as the bare address (`[192.0.2.1]`,
 *  `[2001:db8::1]`), which imports back to the same bracketed key. */
export function sectionName(destination: string): string {
  return isIpDestination(destination) ? (ipOfDestination(destination) ?? destination) : destination;
}

/** Entries in the shell's display order (src/table/render.ts): domains alphabetically, each exact
 *  domain before its `.domain` entry, then IPv4, then IPv6 literals. LIST, DETAIL all, export and the
 *  JSON outputs all list rows in this one order. */
export function sortedEntries(table: Pick<DestTable, 'entries'>): DestEntry[] {
  return [...table.entries.values()].sort((a, b) => compareDestinations(a.destination, b.destination));
}

/** Header comment: the product and the export time (UTC, whole seconds). */
export function headerLines(now: Date): string[] {
  const when = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return [
    `# Destination controls exported by destconfig at ${when}`,
    '# Format: ESA destconfig table file ([DEFAULT], then one section per destination); see docs/file-format.md.',
  ];
}

export function formatTable(table: Pick<DestTable, 'defaults' | 'entries'>, now: Date): string {
  const parts: string[] = [...headerLines(now), '[DEFAULT]'];
  const push = (settings: Setting[]): void => {
    for (const [k, v] of settings) parts.push(`${k} = ${v}`);
  };
  push(defaultSettings(table.defaults));
  for (const e of sortedEntries(table)) {
    parts.push('', `[${sectionName(e.destination)}]`);
    push(entrySettings(e, table.defaults));
  }
  return parts.join('\n') + '\n';
}
