// What one mail transaction decided for each recipient (connection.ts): a reply's class, and the ledger
// in which the first decision per recipient stands.
import type { MessageResult, OutboundMessage, RecipientResult, RecipientStatus, SmtpReply } from './types.js';

/** Outcome of one reply for the recipients it concerns: 2xx accepted, 5xx permanent, anything else temporary. */
export function statusOf(reply: SmtpReply): 'accepted' | 'bounced' | 'deferred' {
  if (reply.code >= 200 && reply.code < 300) return 'accepted';
  return reply.code >= 500 && reply.code < 600 ? 'bounced' : 'deferred';
}

export type Recipient = OutboundMessage['recipients'][number];

/** A 3xx reply: intermediate, which only DATA may get (RFC 5321 §4.2.1, §4.3.2). */
export function intermediate(reply: SmtpReply): boolean {
  return reply.code >= 300 && reply.code < 400;
}

/**
 * The outcome of each recipient of one message: the first decision stands. The result and its entries are
 * created with every property they can have, in one order, so all of them share one shape (the code reading
 * them runs for every message and stays compiled for that one shape).
 */
export class Ledger {
  readonly result: MessageResult;
  private readonly decided = new Map<number, RecipientResult>();

  constructor(private readonly message: OutboundMessage) {
    this.result = { mid: message.mid, recipients: [], mailReply: undefined, dataReply: undefined, finalReply: undefined, nextStarted: false };
  }

  decide(recipient: Recipient, status: RecipientStatus, reply?: SmtpReply, reason?: string): void {
    if (this.decided.has(recipient.rid)) return;
    this.decided.set(recipient.rid, { rid: recipient.rid, address: recipient.address, status, reply, reason: reason || undefined });
  }

  decideAll(recipients: readonly Recipient[], status: RecipientStatus, reply?: SmtpReply, reason?: string): void {
    for (const recipient of recipients) this.decide(recipient, status, reply, reason);
  }

  finish(): MessageResult {
    const recipients: RecipientResult[] = [];
    for (const r of this.message.recipients) {
      recipients.push(this.decided.get(r.rid) ?? { rid: r.rid, address: r.address, status: 'deferred', reply: undefined, reason: 'not attempted' });
    }
    this.result.recipients = recipients;
    return this.result;
  }
}
