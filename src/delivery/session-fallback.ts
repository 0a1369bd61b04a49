// A connection that was set up (greeting, EHLO, STARTTLS as the row demands) and then lost before any reply
// to MAIL FROM on it: the server closed or reset it, a reply timed out or broke the protocol, or MAIL FROM
// was answered with 421 (RFC 5321 §3.8: the server is closing the channel). Nothing of the message can have
// been accepted (its data goes out only after a 354), so the loss is the server's, not the message's: as
// Postfix's client, which on a recoverable failure "will try to deliver the mail to an alternate host"
// (smtp(8)), the job is not settled but goes on to the next target in route order, the next address and
// then the next MX, as openConnection's loop does; it is deferred only when no target is left, with the
// deciding failure of all its attempts (outcome.ts decidingFailure). A loss after a reply to MAIL FROM
// stays deferred (part of a transaction may have been taken: a retry could duplicate the message).
//
// Only the failure path comes here: sendJob asks once per connection, after its first transaction.
import { formatReply } from './reply.js';
import { lines } from './maillog.js';
import type { DestinationCapacity } from './limits.js';
import { decidingFailure, describeFailure, type AttemptFailure } from './outcome.js';
import { closeConnection, connectionErrorKind, openConnection, type OpenConn } from './open-connection.js';
import type { Group, Job } from './plan.js';
import { deferUnreached } from './recipient-outcomes.js';
import type { DeliveryRun } from './run-context.js';
import type { ConnectFailure, MessageResult, TlsInfo } from './types.js';

const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * The failure when `result` (the first transaction of a connection, now unusable or not) is a session lost
 * before any reply to MAIL FROM, or closed by a 421 in reply to it; null otherwise. Pure.
 */
export function lostBeforeMail(result: MessageResult, usable: boolean, tls: TlsInfo): ConnectFailure | null {
  if (usable) return null;
  const mail = result.mailReply;
  if (mail && mail.code !== 421) return null;
  // Recipients the client refused itself (an invalid address) are decided again on the next connection.
  const lost = result.recipients.find((r) => r.status === 'deferred');
  if (!lost || result.recipients.some((r) => r.status === 'delivered')) return null;
  const reason = lost.reason ? lost.reason.replace(ENHANCED_CODE, '') : mail ? `the server is closing the connection: ${formatReply(mail)}` : 'connection lost';
  return mail ? { ok: false, stage: 'session', reason, reply: mail, tls } : { ok: false, stage: 'session', reason, tls };
}

/**
 * Called by sendJob after the first transaction on `conn` (`sent`: the recipients it carried, after the
 * recipient limit). When the session was lost before any reply to MAIL FROM: logs the failed connection
 * as a `Connection Error:` line, gives the recipients' admissions back to the recipient limit (the next
 * connection admits them again), marks the connection lost and returns true.
 */
export function noteLostSession(run: DeliveryRun, group: Group, conn: OpenConn, job: Job, sent: Job['recipients'], result: MessageResult): boolean {
  const failure = lostBeforeMail(result, conn.connection.usable, conn.connection.tls);
  if (!failure) return false;
  const { target } = conn;
  run.o.log.write(lines.connectionError(conn.dcid, target.ip, failure.reason, conn.connection.target.localAddress ?? 'default', connectionErrorKind(failure)));
  const limit = group.row.recipientLimit.value;
  if (limit) run.windows.refund(conn.limitKey, sent.length, limit);
  // The recipients over the recipient limit were settled (throttled): only those of the transaction go on.
  const next = sent.length === job.recipients.length ? job : { ...job, recipients: sent, entries: new Map(sent.map((r) => [r.rid, job.entries.get(r.rid)!])) };
  conn.lost = { failure: { failure, mxHost: target.mxHost, ip: target.ip, tlsPolicy: false }, job: next };
  return true;
}

/**
 * Carries the job of a lost connection on: closes that connection (its slots free first, so a row
 * limited to one connection can open the next), opens one to the next target after it in its route
 * (openConnection: next address, next MX, the row's limits and TLS policy), and sends the job there with
 * `send`, again and again while connections are lost. A job reserved to follow on the lost connection
 * (`held`; its envelope never went out) goes back to the queue. Nothing new starts after SIGTERM.
 * Returns the connection now carrying the job, or null when it was deferred (no target left).
 */
export async function fallBack(
  run: DeliveryRun,
  group: Group,
  capacity: DestinationCapacity,
  lostOn: OpenConn,
  held: { ahead: { job: Job } | null },
  send: (on: OpenConn, job: Job) => Promise<void>,
): Promise<OpenConn | null> {
  let conn = lostOn;
  for (let lost = conn.lost; lost; lost = conn.lost) {
    conn.lost = null;
    if (held.ahead) group.queue.unshift(held.ahead.job);
    held.ahead = null;
    capacity.closing(conn);
    await closeConnection(run, conn);
    const failures: AttemptFailure[] = [...conn.earlier, lost.failure];
    const { targets } = conn.route;
    const rest = targets.slice(targets.indexOf(conn.target) + 1);
    let opened: Awaited<ReturnType<typeof openConnection>> | null = null;
    if (rest.length > 0 && !run.stopping) {
      capacity.opening();
      opened = await openConnection(run, group, lost.job, { targets: rest, notes: [] }, failures);
      capacity.opened(opened.ok ? opened.conn : null);
    }
    if (!opened?.ok) {
      // Every target failed (openConnection's deciding failure covers the earlier ones), or none was left
      // to try, or SIGTERM came: the attempts made so far decide (openConnection's, which cover the earlier
      // ones, when it made any before the signal).
      const failure = opened && (!opened.interrupted || opened.failure) ? opened.failure : (decidingFailure(failures) ?? null);
      deferUnreached(run, group, [lost.job], failure, failure ? describeFailure(failure) : lost.failure.failure.reason);
      return null;
    }
    conn = opened.conn;
    conn.assigned++;
    await send(conn, lost.job);
  }
  return conn;
}
