// The per-destination worker: takes messages from the destination's queue and carries them over one
// connection at a time, reused (RSET between messages) up to the row's messages per connection. A worker
// opens a connection by trying the addresses in route order (open-connection.ts). When every address fails,
// the destination is deferred: that message and every message still queued for it (Postfix likewise stops
// trying a destination it found dead), unless another connection to it is carrying its mail. A connection
// lost before any reply to MAIL FROM hands its message on to the next address or MX (session-fallback.ts).
import { isIpDestination } from '../table/domain.js';
import type { OutboundMessage } from './types.js';
import { literalRoute, orderTargets, type Route } from './route.js';
import type { DestinationCapacity } from './limits.js';
import type { Group, Job } from './plan.js';
import { closeConnection, openConnection, type OpenConn } from './open-connection.js';
import { throttle, windowClosed } from './recipient-window.js';
import { deferUnreached } from './recipient-outcomes.js';
import { fallBack } from './session-fallback.js';
import { outbound, sendJob } from './send-job.js';
import type { DeliveryRun } from './run-context.js';

/** The next job of a connection, reserved while the one before it is sent. */
interface Ahead {
  job: Job;
  on: OpenConn;
  message: OutboundMessage;
  /** Its envelope went out behind the previous message's data: its transaction is open. */
  started: boolean;
}

export type RouteResult = { ok: true; route: Route } | { ok: false; status: 'bounced' | 'deferred'; reason: string };

/** Where to connect for the group: its IP literal, or its MX hosts resolved and ordered (dns.ts, route.ts). */
export async function resolveRoute(run: DeliveryRun, group: Group): Promise<RouteResult> {
  const pref = group.row.ipSortPref.value;
  if (isIpDestination(group.destination)) return { ok: true, route: literalRoute(group.destination, pref) };
  const mx = await run.o.mx.resolve(group.destination, { v4: pref !== 'REQUIRE_V6', v6: pref !== 'REQUIRE_V4' });
  if (!mx.ok) return { ok: false, status: mx.status, reason: `${mx.enhanced} ${mx.reason}` };
  return { ok: true, route: orderTargets(mx.hosts, pref) };
}

/**
 * Takes jobs from the destination's queue and carries them over one connection at a time, up to the
 * row's messages per connection each. A worker about to open a connection gives up instead when the
 * destination's other connections can carry everything still queued (`capacity`). While a message is
 * sent, the next job is reserved for the same connection (`ahead`) so that its envelope can go out
 * with this message's data (PIPELINING; connection.ts).
 */
export async function runWorker(
  run: DeliveryRun,
  group: Group,
  firstRoute: Route,
  capacity: DestinationCapacity,
  firstDone: (() => void) | null,
): Promise<void> {
  let conn: OpenConn | null = null;
  let route = firstRoute;
  // The reserved job, in a holder: sendAndReserve sets it from a callback.
  const held: { ahead: Ahead | null } = { ahead: null };
  const maxMessages = group.row.maxMessagesPerConnection.value;
  if (!firstDone) await group.firstAttempt;
  try {
    for (;;) {
      const { ahead } = held;
      const reserved = ahead !== null && ahead.on === conn && conn !== null && conn.connection.usable ? ahead : null;
      // A job whose envelope is out is an open transaction: it ends even after SIGTERM.
      if (run.stopping && !reserved?.started) break;
      const job = ahead?.job ?? group.queue.shift();
      held.ahead = null;
      if (!job) break;
      if (reserved) {
        await sendAndReserve(run, group, reserved.on, job, reserved.message, maxMessages, held);
        if (reserved.on.lost) conn = await carryOn(run, group, capacity, reserved.on, maxMessages, held);
        continue;
      }
      if (conn && (!conn.connection.usable || conn.assigned >= maxMessages)) {
        // The job goes back to the queue while this connection closes (QUIT takes a round trip): a
        // worker whose connection has room takes it meanwhile. Held here, it looked to every other
        // worker like no work was left, they closed their connections, and this one then opened a
        // new connection for it.
        group.queue.unshift(job);
        capacity.closing(conn);
        await closeConnection(run, conn);
        conn = null;
        continue;
      }
      if (!conn && capacity.covers(group.queue.length + 1)) {
        group.queue.unshift(job);
        break;
      }
      if (!conn) {
        if (windowClosed(run, group)) {
          throttle(run, group, job, null);
          firstDone?.();
          continue;
        }
        // A fresh route for every new connection: equal MX preferences are shuffled anew (RFC 5321 §5.1).
        const fresh = await resolveRoute(run, group);
        if (fresh.ok && fresh.route.targets.length > 0) route = fresh.route;
        capacity.opening();
        const opened = await openConnection(run, group, job, route);
        capacity.opened(opened.ok ? opened.conn : null);
        firstDone?.();
        if (!opened.ok) {
          // Every address failed while another connection to the destination carries its mail (a server
          // that takes so many connections per client, and greets the next with 421): the job is left to
          // that connection, as Postfix declares a destination dead only when none of its deliveries succeed.
          // Interrupted after failed attempts: this job was tried, so it is deferred with what the attempts met
          // (open-connection.ts `interrupted`); the rest of the queue was not, and is settled as not attempted.
          if (opened.interrupted && opened.failure) {
            deferUnreached(run, group, [job], opened.failure, opened.reason);
            break;
          }
          if (opened.interrupted || capacity.carrying()) {
            group.queue.unshift(job);
            break;
          }
          // Every address failed: the destination is deferred, this message and every one still queued.
          deferUnreached(run, group, [job, ...group.queue.splice(0)], opened.failure, opened.reason);
          break;
        }
        conn = opened.conn;
      }
      if (run.stopping) {
        group.queue.unshift(job);
        break;
      }
      conn.assigned++;
      await sendAndReserve(run, group, conn, job, null, maxMessages, held);
      // Lost before any reply to MAIL FROM: the job goes on to the next target (session-fallback.ts).
      if (conn.lost) conn = await carryOn(run, group, capacity, conn, maxMessages, held);
    }
  } finally {
    if (held.ahead) group.queue.unshift(held.ahead.job);
    firstDone?.();
    if (conn) {
      capacity.closing(conn);
      await closeConnection(run, conn);
    }
  }
}

/**
 * A connection lost before any reply to MAIL FROM: its job goes on to the next target (session-fallback.ts).
 * A function of its own so that runWorker, the hot loop, holds no closure over its variables (V8 would move
 * captured variables into a heap context read on every turn of the loop).
 */
function carryOn(run: DeliveryRun, group: Group, capacity: DestinationCapacity, lost: OpenConn, maxMessages: number, held: { ahead: Ahead | null }): Promise<OpenConn | null> {
  return fallBack(run, group, capacity, lost, held, (on, job) => sendAndReserve(run, group, on, job, null, maxMessages, held));
}

/** A next message that could not be built: not reserved (sendAndReserve). */
function notBuilt(): null {
  return null;
}

/**
 * Sends `job` (already counted in conn.assigned) and, when the connection may take one more and the
 * row has no recipient limit (admission must happen when a transaction starts), reserves the next
 * queued job for it, put in `held` before the send so it is never lost.
 */
async function sendAndReserve(
  run: DeliveryRun,
  group: Group,
  conn: OpenConn,
  job: Job,
  prebuilt: OutboundMessage | null,
  maxMessages: number,
  held: { ahead: Ahead | null },
): Promise<void> {
  let next: Ahead | null = null;
  const pipelines = conn.connection.capabilities.has('PIPELINING') && !group.row.recipientLimit.value;
  if (pipelines && !run.stopping && conn.assigned < maxMessages && group.queue.length > 0) {
    const nextJob = group.queue.shift() as Job;
    conn.assigned++;
    const built = outbound(run, group, nextJob, nextJob.recipients);
    const message = built instanceof Promise ? await built.catch(notBuilt) : built;
    if (message) {
      next = { job: nextJob, on: conn, message, started: false };
      held.ahead = next;
    } else {
      // Its file could not be read (or its BATV key not loaded): not reserved. It goes back to the front of
      // the queue, to be sent, and fail with its reason, as a job of its own (sendJob).
      conn.assigned--;
      group.queue.unshift(nextJob);
    }
  }
  // A full connection closes after this job (runWorker never gives it another): QUIT may go out with the
  // job's final dot. Not under a recipient limit, where a job that admits nobody hands its place back.
  // (Both tests run for every job: the last one's path meets nothing optimized code has not seen.)
  const full = conn.assigned >= maxMessages;
  const nothingNext = next === null;
  const last = pipelines && full && nothingNext;
  conn.sending = true;
  try {
    const result = await sendJob(run, group, job, conn, prebuilt, next?.message, last);
    if (!result) conn.assigned--;
    else if (next && result.nextStarted) next.started = true;
  } finally {
    conn.sending = false;
  }
}
