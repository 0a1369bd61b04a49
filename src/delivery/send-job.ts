// One transaction on an open connection: the recipients the recipient limit admits, the envelope (with a
// BATV-tagged sender when the row asks for bounce verification), the send, and each recipient's outcome in
// the report and the mail log.
import type { MessageResult, OutboundMessage } from './types.js';
import { lines } from './maillog.js';
import type { Group, Job } from './plan.js';
import { batvTag } from './batv.js';
import type { OpenConn } from './open-connection.js';
import { throttle } from './recipient-window.js';
import { reasonFor, recordAnswer, settleJob } from './recipient-outcomes.js';
import { loadSource, UnreadableMessage } from './message-source.js';
import { reportTls } from './outcome.js';
import { noteLostSession } from './session-fallback.js';
import type { DeliveryRun } from './run-context.js';

/**
 * The message as sent. Only a BATV-tagged sender (the key) or content still to be read (a batch file,
 * message-source.ts) needs to wait; otherwise the message is returned as is, not as a promise, sparing
 * every message an await. A source that cannot be read rejects with UnreadableMessage.
 */
export function outbound(run: DeliveryRun, group: Group, job: Job, recipients: Job['recipients']): OutboundMessage | Promise<OutboundMessage> {
  const { content } = job;
  if (!group.row.bounceVerification.value) {
    if (Buffer.isBuffer(content)) return { mid: job.mid, from: job.from, recipients, content };
    return loadSource(content).then((bytes) => ({ mid: job.mid, from: job.from, recipients, content: bytes }));
  }
  const key = run.loadBatvKey();
  const bytes = Buffer.isBuffer(content) ? content : loadSource(content);
  return Promise.all([key, bytes]).then(([k, b]) => ({ mid: job.mid, from: batvTag(job.from, k, new Date(run.now())), recipients, content: b }));
}

/**
 * Carries one job over the connection (`next`: the message the connection may start behind it; `last`:
 * the connection closes after this job, so QUIT may follow its final dot). Returns null when nothing
 * was sent: the recipient limit left nobody to send it to, or the message could not be read (its
 * recipients deferred with the reason naming the file; the connection carries on with the next job).
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
  if (message instanceof Promise) {
    const loaded = await message.catch(unreadable);
    if (loaded instanceof UnreadableMessage) {
      // Nothing went out: the admitted recipients are given back to the recipient limit, and deferred.
      if (limit) run.windows.refund(conn.limitKey, recipients.length, limit);
      settleJob(log, recipients === job.recipients ? job : { ...job, recipients }, 'deferred', null, loaded.reason);
      return null;
    }
    message = loaded;
  }
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

/** A message that could not be read becomes a value sendJob settles; any other failure goes on as before. */
function unreadable(err: unknown): UnreadableMessage {
  if (err instanceof UnreadableMessage) return err;
  throw err;
}
