// Opening a connection to a destination: the addresses in route order, each under the row's connection
// limits (a slot per limit key, and the system-wide cap), from a source address of the target's family,
// with the row's TLS policy. The next address, then the next MX, on a connection failure, a bad greeting, or
// a TLS failure under a Required mode; the failure that decides the deferral when all fail (outcome.ts).
// A connection lost after its set-up, before any reply to MAIL FROM, goes on the same way from the target
// after it (session-fallback.ts), which is why a connection keeps its route and the failures before it.
import { isIP } from 'node:net';
import { isIpDestination } from '../table/domain.js';
import type { ConnectFailure, ConnectionEvent, DeliveryConnection, RecipientReport } from './types.js';
import type { Route, RouteTarget } from './route.js';
import { limitKey } from './limits.js';
import { lines, logConnectionEvent } from './maillog.js';
import { NOT_ATTEMPTED, type Group, type Job } from './plan.js';
import { decidingFailure, describeFailure, isTlsFailure, tlsRequired, type AttemptFailure } from './outcome.js';
import { limitSettings, type DeliveryRun } from './run-context.js';
import { daneForTarget } from './dane/hook.js';

export interface OpenConn {
  connection: DeliveryConnection;
  target: RouteTarget;
  dcid: number;
  keys: string[];
  limitKey: string;
  /** Jobs this connection has taken (the row's messages per connection caps it). */
  assigned: number;
  /** A send() is in progress (the connection reads as not usable meanwhile, yet is not broken). */
  sending: boolean;
  /** The TLS facts as report entries show them, made once per connection and shared by its recipients. */
  tlsReport: RecipientReport['tls'] | null;
  /** The route this connection's target was taken from, and the attempts that failed before it on that route. */
  route: Route;
  earlier: AttemptFailure[];
  /** Some reply to MAIL FROM came on this connection: a loss from now on may have taken part of a message. */
  mailAnswered: boolean;
  /** Set by sendJob when the connection was lost before any reply to MAIL FROM (session-fallback.ts). */
  lost: LostSession | null;
}

/** A connection lost before any reply to MAIL FROM: why, and the job (its recipients in that transaction) that goes on. */
export interface LostSession {
  failure: AttemptFailure;
  job: Job;
}

export type OpenResult = { ok: true; conn: OpenConn } | { ok: false; interrupted: boolean; failure: AttemptFailure | null; reason: string };

/** The source address for the next connection: round-robin, or under per-gateway limits the least busy one. */
function pickSource(run: DeliveryRun, group: Group, ip: string | null): string | undefined {
  // Only a source of the target's family can be bound (an IPv4 source cannot reach ::1); with none of
  // that family the attempt goes out from the default interface, as Postfix does with smtp_bind_address6 unset.
  const all = run.o.sources ?? [];
  const sources = ip === null ? all : all.filter((s) => isIP(s) === isIP(ip));
  if (sources.length === 0) return undefined;
  if (group.row.limitApply.value === 'vg' && ip !== null) {
    const load = (s: string): number => run.slots.active(limitKey(group.destination, limitSettings(group), ip, s));
    return [...sources].sort((a, b) => load(a) - load(b))[0];
  }
  return sources[run.sourceTurn++ % sources.length];
}

/**
 * Under a limit per MX IP ("Separate limit for each mail exchanger IP address"), each address has its own
 * slots: a connection goes to an equal address (same MX preference and family) with a free slot before it
 * waits for a busy one, so that a domain with two equal MX hosts gets its limit on each, not on the first
 * only. The order is otherwise the route's, and the connection keeps it for its fallbacks.
 */
function freeAddressesFirst(run: DeliveryRun, group: Group, route: Route): Route {
  if (group.row.limitType.value !== 'mxip' || route.targets.length < 2) return route;
  const max = group.row.maxConcurrency.value;
  const settings = limitSettings(group);
  const sourcesOf = (ip: string): (string | undefined)[] => {
    const family = (run.o.sources ?? []).filter((s) => isIP(s) === isIP(ip));
    return family.length > 0 ? family : [undefined];
  };
  const busy = (t: RouteTarget): boolean => sourcesOf(t.ip).every((s) => run.slots.active(limitKey(group.destination, settings, t.ip, s)) >= max);
  const targets: RouteTarget[] = [];
  for (let i = 0; i < route.targets.length; ) {
    const first = route.targets[i] as RouteTarget;
    const equal: RouteTarget[] = [];
    while (i < route.targets.length && route.targets[i]?.preference === first.preference && route.targets[i]?.family === first.family) equal.push(route.targets[i++] as RouteTarget);
    targets.push(...equal.filter((t) => !busy(t)), ...equal.filter(busy));
  }
  return { ...route, targets };
}

/** `prior`: failures of the job's earlier attempts on this route (a lost session), for the deciding failure. */
export async function openConnection(run: DeliveryRun, group: Group, job: Job, given: Route, prior: AttemptFailure[] = []): Promise<OpenResult> {
  const route = freeAddressesFirst(run, group, given);
  const { row } = group;
  const o = run.o;
  const failures: AttemptFailure[] = [...prior];
  let attempts = 0;
  for (const target of route.targets) {
    const dane = await daneForTarget(o.dane, o.log, row.dane.value, group.destination, target, o.port);
    if (dane.skip) {
      failures.push(dane.failure);
      continue;
    }
    const source = pickSource(run, group, target.ip);
    const key = limitKey(group.destination, limitSettings(group), target.ip, source);
    const claims = [{ key, max: row.maxConcurrency.value }];
    if (o.maxConnections) claims.push({ key: '*', max: o.maxConnections });
    if (run.slots.active(key) >= row.maxConcurrency.value) o.log.write(lines.maxConnections(row.maxConcurrency.value, group.destination));
    const granted = !run.stopping && (await run.slots.acquire(claims));
    if (!granted) return interrupted(job, attempts, failures);
    if (run.stopping) {
      run.slots.release(claims.map((c) => c.key));
      return interrupted(job, attempts, failures);
    }
    attempts++;
    const dcid = run.nextDcid++;
    const mode = row.tls.value;
    // A close during the set-up is logged after what this loop says about the failed attempt (TLS failed,
    // TLS was required, Connection Error), so the log tells each connection's story in order.
    const host = target.mxHost || target.ip;
    let settingUp = true;
    let heldClose: ConnectionEvent | null = null;
    const flushClose = (): void => {
      settingUp = false;
      if (heldClose) logConnectionEvent(o.log, heldClose, host);
      heldClose = null;
    };
    const setUp = run.shutdown.setUp();
    const result = await o.connector({
      target: { ip: target.ip, port: o.port, mxHost: target.mxHost, ...(source ? { localAddress: source } : {}) },
      policy: {
        mode,
        referenceIds: isIpDestination(group.destination) ? [] : [group.destination, ...(target.mxHost ? [target.mxHost] : [])],
        servername: dane.policy?.baseDomain ?? target.mxHost,
        ...(o.extraCa ? { extraCa: o.extraCa } : {}),
        ...(o.clientCert ? { clientCert: o.clientCert } : {}),
        ...(dane.policy ? { dane: dane.policy } : {}),
      },
      helo: o.helo,
      timeouts: o.timeouts,
      dcid,
      signal: setUp.signal,
      onEvent: (ev) => {
        if (ev.type === 'closed' && settingUp) heldClose = ev;
        else logConnectionEvent(o.log, ev, host);
      },
    });
    setUp.done();
    if (result.ok) {
      flushClose();
      // The attempts that failed before this one count for the job (sendJob counts this one).
      for (const e of job.entries.values()) e.attempts += attempts - 1;
      run.shutdown.opened(result.connection);
      const conn: OpenConn = {
        connection: result.connection,
        target,
        dcid,
        keys: claims.map((c) => c.key),
        limitKey: key,
        assigned: 0,
        sending: false,
        tlsReport: null,
        route,
        earlier: failures,
        mailAnswered: false,
        lost: null,
      };
      return { ok: true, conn };
    }
    run.slots.release(claims.map((c) => c.key));
    if (run.stopping) {
      // Set-up abandoned by SIGTERM (or failed meanwhile): not an attempt at the recipients, no error to log.
      flushClose();
      return interrupted(job, attempts - 1, failures);
    }
    const tlsFailure = isTlsFailure(result);
    failures.push({ failure: result, mxHost: target.mxHost, ip: target.ip, tlsPolicy: tlsFailure });
    if (tlsFailure && (tlsRequired(mode) || dane.policy)) {
      o.log.write(lines.tlsRequired(dcid, target.ip));
    } else if (!tlsFailure) {
      o.log.write(lines.connectionError(dcid, target.ip, result.reason, source ?? 'default', connectionErrorKind(result)));
    }
    flushClose();
    if (run.stopping) return interrupted(job, attempts, failures);
  }
  const deciding = decidingFailure(failures);
  for (const e of job.entries.values()) e.attempts += attempts;
  return { ok: false, interrupted: false, failure: deciding ?? null, reason: deciding ? describeFailure(deciding) : '4.4.4 No address to try' };
}

/**
 * The run was interrupted (SIGTERM/SIGINT) before a connection for `job` was set up. With no attempt made
 * its recipients were never attempted (NOT_ATTEMPTED, settled with the rest of the queue). After failed
 * attempts they were: those attempts count, and the deciding failure is the reason, as when every address
 * fails, rather than a report that says they were never tried.
 */
function interrupted(job: Job, attempts: number, failures: AttemptFailure[]): OpenResult {
  const deciding = attempts > 0 ? decidingFailure(failures) : undefined;
  if (!deciding) return { ok: false, interrupted: true, failure: null, reason: NOT_ATTEMPTED };
  for (const e of job.entries.values()) e.attempts += attempts;
  return { ok: false, interrupted: true, failure: deciding, reason: describeFailure(deciding) };
}

export async function closeConnection(run: DeliveryRun, conn: OpenConn): Promise<void> {
  try {
    await conn.connection.close();
  } finally {
    run.shutdown.closed(conn.connection);
    run.slots.release(conn.keys);
  }
}

/** The `reason:` of a `Connection Error:` line. A session lost without a reply (closed, reset) is a network error. */
export function connectionErrorKind(failure: ConnectFailure): string {
  if (failure.stage === 'timeout') return 'connection timed out';
  const lost = failure.stage === 'session' || failure.stage === 'greeting' || failure.stage === 'ehlo';
  if (failure.stage === 'connect' || (lost && !failure.reply)) return 'network error';
  return 'unexpected SMTP response';
}
