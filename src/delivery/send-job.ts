// One transaction on an open connection: the recipients the recipient limit admits, the envelope (with a
// BATV-tagged sender when the row asks for bounce verification), the send, and each recipient's outcome in
// the report and the mail log.
import type { MessageResult, OutboundMessage } from './types.js';
import { lines } from './maillog.js';
import type { Group, Job } from './plan.js';
import { batvTag } from './batv.js';
import type { OpenConn } from './open-connection.js';
import { throttle } from './recipient-window.js';
import { reasonFor, recordAnswer } from './recipient-outcomes.js';
import { reportTls } from './outcome.js';
import { noteLostSession } from './session-fallback.js';
import type { DeliveryRun } from './run-context.js';

/**
 * The message as sent. Only a BATV-tagged sender needs to wait (for the key); otherwise the message is
 * returned as is, not as a promise, sparing every message an await.
 */
export function outbound(run: DeliveryRun, group: Group, job: Job, recipients: Job['recipients']): OutboundMessage | Promise<OutboundMessage> {
  if (!group.row.bounceVerification.value) return { mid: job.mid, from: job.from, recipients, content: job.content };
  return run.loadBatvKey().then((key) => ({ mid: job.mid, from: batvTag(job.from, key, new Date(run.now())), recipients, content: job.content }));
}

/**
 * Carries one job over the connection (`next`: the message the connection may start behind it; `last`:
 * the connection closes after this job, so QUIT may follow its final dot). Returns null when the
 * recipient limit left nobody to send it to.
 */
export async function sendJob(
  run: DeliveryRun,
  group: Group,
  job: Job,
  conn: OpenConn,
  prebuilt: OutboundMessage | null,
  next?: OutboundMessage,
  last = false,
): Promise<MessageResult | null> {
  const log = run.o.log;
  let recipients = job.recipients;
  const limit = group.row.recipientLimit.value;
  if (limit) {
    const admitted = run.windows.admit(conn.limitKey, limit, recipients.length);
    if (admitted < recipients.length) {
      const over = recipients.slice(admitted);
      throttle(run, group, job, conn, over.map((r) => r.rid));
      recipients = recipients.slice(0, admitted);
    }
    if (recipients.length === 0) return null;
  }
  let message = prebuilt ?? outbound(run, group, job, recipients);
  if (message instanceof Promise) message = await message;
  // RID lists are built with push, like `delivered` below: one kind of array reaches the log formatter.
  const rids: number[] = [];
  for (const r of recipients) {
    rids.push(r.rid);
    const e = job.entries.get(r.rid);
    if (e) e.attempts++;
  }
  log.write(lines.deliveryStart(conn.dcid, job.mid, rids));
  const result = await conn.connection.send(message, next, last);
  // Until a reply to MAIL FROM came on this connection, a lost session leaves the job unsettled: it goes
  // on to the next target (session-fallback.ts). Asked once per connection; not after SIGTERM.
  if (!conn.mailAnswered) {
    if (!run.stopping && noteLostSession(run, group, conn, job, recipients, result)) return result;
    conn.mailAnswered = result.mailReply !== undefined;
  }
  const tls = (conn.tlsReport ??= reportTls(group.row.tls.value, conn.connection.tls));
  const delivered: number[] = [];
  for (const r of result.recipients) {
    const e = job.entries.get(r.rid);
    if (!e) continue;
    recordAnswer(e, r, conn.target, tls);
    if (r.status === 'delivered') delivered.push(r.rid);
    else if (r.status === 'deferred') log.write(lines.delayed(conn.dcid, job.mid, r.rid, reasonFor(r), r.reply));
    else log.write(lines.bounced(conn.dcid, job.mid, r.rid, reasonFor(r), r.reply));
  }
  if (delivered.length > 0) log.write(lines.messageDone(conn.dcid, job.mid, delivered, result.finalReply));
  return result;
}
