// The plan of a run: every message's recipients grouped by destination (the recipient domain, or the
// bracketed IP literal), each group under its governing row after Default inheritance, and per message one
// transaction ("job") per destination. Every recipient gets its report entry up front, deferred with the
// "not attempted" reason until something settles it, so a shutdown or a crash of one group never loses one.
// A recipient given twice in one message (the domain compared without case) is planned once.
import type { InputMessage } from './deliver-options.js';
import type { DestTable } from '../table/types.js';
import { effectiveRow, findEntry, type EffectiveRow } from '../table/lookup.js';
import { recipientDestination } from '../table/domain.js';
import { reportTls } from './outcome.js';
import type { RecipientReport } from './types.js';
import type { MessageSource } from './message-source.js';

/**
 * Recipients per transaction: RFC 5321 §4.5.3.1.8 obliges servers to take at least 100, so a message with
 * more recipients at one destination goes in several transactions (Postfix's default is 50, Exim's 100).
 */
export const MAX_RCPT_PER_TRANSACTION = 100;

export const NOT_ATTEMPTED = '4.3.0 Delivery interrupted before this recipient was attempted';

/** One transaction: one message to the recipients it has at one destination. */
export interface Job {
  mid: number;
  from: string;
  recipients: { rid: number; address: string }[];
  /** The bytes, or where to read them when the job is sent (send-job.ts `outbound`). */
  content: Buffer | MessageSource;
  /** Report entries of this job's recipients, by RID. */
  entries: Map<number, RecipientReport>;
}

export interface Group {
  destination: string;
  row: EffectiveRow;
  queue: Job[];
  /**
   * Settles when the destination's first connection attempt ends (set up, or failed at any step). Other
   * workers wait for it, so a destination that cannot take mail (refused, unreachable, a refused greeting,
   * TLS failing under a Required mode) costs one round of attempts, not one per worker.
   */
  firstAttempt?: Promise<void>;
}

export interface Plan {
  groups: Group[];
  /** Report entries in input order. */
  entries: RecipientReport[];
  /** Every entry with its RID (for log lines about recipients no connection decided). */
  rids: { entry: RecipientReport; rid: number }[];
}

export function planDelivery(messages: InputMessage[], table: DestTable, firstMid: number): Plan {
  const groups = new Map<string, Group>();
  const entries: RecipientReport[] = [];
  const rids: Plan['rids'] = [];
  messages.forEach((msg, index) => {
    const mid = firstMid + index;
    const byDest = new Map<string, Job>();
    const seen = new Set<string>();
    let rid = 0;
    for (const address of msg.to) {
      const destination = recipientDestination(address);
      if (destination === null) throw new Error(`invalid recipient address ${JSON.stringify(address)}`);
      // A recipient given twice is sent and reported once, as Postfix's cleanup drops duplicate recipients.
      // Only the domain is compared without case: the local part is the receiving host's (RFC 5321 §2.4).
      const key = recipientKey(address, destination);
      if (seen.has(key)) continue;
      seen.add(key);
      let group = groups.get(destination);
      if (!group) {
        group = { destination, row: effectiveRow(table.defaults, findEntry(table, destination)), queue: [] };
        groups.set(destination, group);
      }
      let job = byDest.get(destination);
      if (!job || job.recipients.length >= MAX_RCPT_PER_TRANSACTION) {
        job = { mid, from: msg.from, recipients: [], content: msg.content, entries: new Map() };
        byDest.set(destination, job);
        group.queue.push(job);
      }
      const entry: RecipientReport = {
        message: msg.name,
        mid,
        address,
        status: 'deferred',
        row: group.row.matched ?? '(Default)',
        mxHost: null,
        ip: null,
        attempts: 0,
        reply: null,
        reason: NOT_ATTEMPTED,
        tls: reportTls(group.row.tls.value, undefined),
      };
      job.recipients.push({ rid, address });
      job.entries.set(rid, entry);
      entries.push(entry);
      rids.push({ entry, rid });
      rid++;
    }
  });
  return { groups: [...groups.values()], entries, rids };
}

/** A recipient's identity for duplicate removal: the local part as given, the destination normalised. */
function recipientKey(address: string, destination: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  return at >= 0 ? `${trimmed.slice(0, at)}@${destination}` : destination;
}
