// The delivery orchestrator: groups every message's recipients by destination, finds each destination's
// governing row (src/table/lookup.ts, after Default inheritance), resolves where to connect (dns.ts,
// route.ts), keeps to the row's limits (limits.ts), carries the messages over connections opened by the
// connection layer (types.ts `Connector`), and settles an outcome and mail-log lines for every recipient.
//
// Per destination, up to `maxConcurrency` workers take messages from the destination's queue. A worker opens a
// connection by trying the addresses in route order (next address, then next MX, on a connection failure, a
// bad greeting, or a TLS failure under a Required mode) and reuses it, RSET between messages, up to the row's
// messages per connection. When every address fails, the destination is deferred: that message and every
// message still queued for it (Postfix likewise stops trying a destination it found dead).
import { isIP } from 'node:net';
import type { DestTable } from '../table/types.js';
import { isIpDestination } from '../table/domain.js';
import type { ConnectionEvent, Connector, DeliveryConnection, DeliveryReport, MessageResult, RecipientReport, TlsInfo, Timeouts, OutboundMessage, RecipientResult, SmtpReply } from './types.js';
import type { MxResolver } from './dns.js';
import { literalRoute, orderTargets, type Route, type RouteTarget } from './route.js';
import { ConnectionSlots, DestinationCapacity, RecipientWindows, limitKey, recipientLimitReason } from './limits.js';
import { lines, logConnectionEvent, type MailLogSink } from './maillog.js';
import { NOT_ATTEMPTED, planDelivery, type Group, type Job } from './plan.js';
import type { AlertSink } from './alerts.js';
import { batvTag } from './batv.js';
import { decidingFailure, describeFailure, isTlsFailure, replyPhrase, reportTls, tlsRequired, type AttemptFailure } from './outcome.js';

/** One message to deliver, as read from the command line or a batch folder. */
export interface InputMessage {
  /** File name shown in the report ('-' for stdin). */
  name: string;
  from: string;
  to: string[];
  content: Buffer;
}

export interface DeliverOptions {
  table: DestTable;
  connector: Connector;
  mx: MxResolver;
  log: MailLogSink;
  alerts?: AlertSink;
  port: number;
  helo: string;
  timeouts: Timeouts;
  /** Virtual gateways (source addresses); empty: the system picks. */
  sources?: string[];
  extraCa?: string[];
  clientCert?: { cert: string; key: string };
  /** Milliseconds since the epoch (recipient windows, BATV day). */
  now?: () => number;
  /** Recipient-limit counters carried over from earlier runs (state.ts); fresh ones otherwise. */
  windows?: RecipientWindows;
  /** Loads the BATV key when a row asks for bounce verification (loaded at most once). */
  batvKey?: () => Promise<Buffer>;
  /** System-wide cap on simultaneous connections, whatever the rows say. */
  maxConnections?: number;
  firstMid?: number;
  firstDcid?: number;
  /** Aborted on SIGTERM: no new transactions; open ones end; the rest is reported deferred. */
  signal?: AbortSignal;
  /** After an abort, how long open transactions may run before their connections are cut. */
  shutdownGraceMs?: number;
}

export interface DeliverResult {
  report: DeliveryReport;
  /** Highest number of simultaneous connections each limit key reached (domain, domain + IP, + source). */
  peakConnections: Map<string, number>;
  /** The last connection id used (the next run starts after it). */
  lastDcid: number;
}

interface OpenConn {
  connection: DeliveryConnection;
  target: RouteTarget;
  dcid: number;
  keys: string[];
  limitKey: string;
  /** Jobs this connection has taken (the row's messages per connection caps it). */
  assigned: number;
  /** A send() is in progress (the connection reads as not usable meanwhile, yet is not broken). */
  sending: boolean;
}

/** The next job of a connection, reserved while the one before it is sent. */
interface Ahead {
  job: Job;
  on: OpenConn;
  message: OutboundMessage;
  /** Its envelope went out behind the previous message's data: its transaction is open. */
  started: boolean;
}

export async function deliver(messages: InputMessage[], opts: DeliverOptions): Promise<DeliverResult> {
  return new Orchestrator(opts).run(messages);
}

class Orchestrator {
  private readonly slots = new ConnectionSlots();
  private readonly windows: RecipientWindows;
  private readonly now: () => number;
  private nextDcid: number;
  private sourceTurn = 0;
  private stopping = false;
  private readonly open = new Set<DeliveryConnection>();
  private batvKey: Promise<Buffer> | null = null;

  constructor(private readonly o: DeliverOptions) {
    this.now = o.now ?? Date.now;
    this.windows = o.windows ?? new RecipientWindows(this.now);
    this.nextDcid = o.firstDcid ?? 1;
  }

  async run(messages: InputMessage[]): Promise<DeliverResult> {
    const { groups, entries, rids } = planDelivery(messages, this.o.table, this.o.firstMid ?? 1);
    const onAbort = (): void => this.interrupt();
    if (this.o.signal?.aborted) this.stopping = true;
    this.o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(groups.map((g) => this.runGroup(g)));
    } finally {
      this.o.signal?.removeEventListener('abort', onAbort);
    }
    for (const { entry, rid } of rids) if (entry.reason === NOT_ATTEMPTED) this.o.log.write(lines.delayed(null, entry.mid, rid, NOT_ATTEMPTED));
    const summary = { delivered: 0, deferred: 0, bounced: 0 };
    for (const e of entries) summary[e.status]++;
    return { report: { recipients: entries, summary }, peakConnections: this.slots.peak, lastDcid: this.nextDcid - 1 };
  }

  private interrupt(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.o.log.write(lines.interrupted('SIGTERM'));
    this.slots.cancelWaiting();
    const grace = this.o.shutdownGraceMs ?? 30_000;
    const timer = setTimeout(() => {
      for (const c of this.open) c.destroy();
    }, grace);
    timer.unref();
  }

  // ---- one destination ----

  private async runGroup(group: Group): Promise<void> {
    const { row, destination } = group;
    const first = await this.route(group);
    if (!first.ok) {
      for (const job of group.queue.splice(0)) this.settleJob(job, first.status, null, first.reason);
      return;
    }
    if (first.route.targets.length === 0) {
      const why = `4.4.4 No usable address for ${destination}${first.route.notes.length ? `: ${first.route.notes.join('; ')}` : ''}`;
      for (const job of group.queue.splice(0)) this.settleJob(job, 'deferred', null, why);
      return;
    }
    const ips = new Set(first.route.targets.map((t) => t.ip)).size;
    const sources = Math.max(1, this.o.sources?.length ?? 0);
    const perKey = row.maxConcurrency.value;
    const workers = Math.min(group.queue.length, perKey * (row.limitType.value === 'mxip' ? ips : 1) * (row.limitApply.value === 'vg' ? sources : 1));
    let firstDone!: () => void;
    group.firstAttempt = new Promise((resolve) => (firstDone = resolve));
    const capacity = new DestinationCapacity(row.maxMessagesPerConnection.value);
    await Promise.all(Array.from({ length: workers }, (_, i) => this.worker(group, first.route, capacity, i === 0 ? firstDone : null)));
  }

  private async route(group: Group): Promise<{ ok: true; route: Route } | { ok: false; status: 'bounced' | 'deferred'; reason: string }> {
    const pref = group.row.ipSortPref.value;
    if (isIpDestination(group.destination)) return { ok: true, route: literalRoute(group.destination, pref) };
    const mx = await this.o.mx.resolve(group.destination, { v4: pref !== 'REQUIRE_V6', v6: pref !== 'REQUIRE_V4' });
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
  private async worker(group: Group, firstRoute: Route, capacity: DestinationCapacity, firstDone: (() => void) | null): Promise<void> {
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
        if (this.stopping && !reserved?.started) break;
        const job = ahead?.job ?? group.queue.shift();
        held.ahead = null;
        if (!job) break;
        if (reserved) {
          await this.sendAndReserve(group, reserved.on, job, reserved.message, maxMessages, held);
          continue;
        }
        if (conn && (!conn.connection.usable || conn.assigned >= maxMessages)) {
          capacity.closing(conn);
          await this.closeConn(conn);
          conn = null;
        }
        if (!conn && capacity.covers(group.queue.length + 1)) {
          group.queue.unshift(job);
          break;
        }
        if (!conn) {
          if (this.windowClosed(group)) {
            this.throttle(group, job, null);
            firstDone?.();
            continue;
          }
          // A fresh route for every new connection: equal MX preferences are shuffled anew (RFC 5321 §5.1).
          const fresh = await this.route(group);
          if (fresh.ok && fresh.route.targets.length > 0) route = fresh.route;
          capacity.opening();
          const opened = await this.openConnection(group, job, route);
          capacity.opened(opened.ok ? opened.conn : null);
          firstDone?.();
          if (!opened.ok) {
            if (opened.interrupted) {
              group.queue.unshift(job);
              break;
            }
            // Every address failed: the destination is deferred, this message and every one still queued.
            if (opened.failure?.tlsPolicy && tlsRequired(group.row.tls.value) && this.o.table.globals.alertOnRequiredTlsFailure)
              this.o.alerts?.requiredTlsFailed(group.destination, opened.reason);
            this.settleJob(job, 'deferred', opened.failure, opened.reason);
            for (const rest of group.queue.splice(0)) this.settleJob(rest, 'deferred', opened.failure, opened.reason);
            break;
          }
          conn = opened.conn;
        }
        if (this.stopping) {
          group.queue.unshift(job);
          break;
        }
        conn.assigned++;
        await this.sendAndReserve(group, conn, job, null, maxMessages, held);
      }
    } finally {
      if (held.ahead) group.queue.unshift(held.ahead.job);
      firstDone?.();
      if (conn) {
        capacity.closing(conn);
        await this.closeConn(conn);
      }
    }
  }

  /**
   * True when the destination's recipient window is already full, checked before opening a connection so
   * none is opened for nothing. Per MX IP, or per gateway with several gateways, the counter depends on
   * the connection, so the check waits for it (sendJob).
   */
  private windowClosed(group: Group): boolean {
    const limit = group.row.recipientLimit.value;
    if (!limit) return false;
    const sources = this.o.sources ?? [];
    if (group.row.limitType.value === 'mxip' || (group.row.limitApply.value === 'vg' && sources.length > 1)) return false;
    return this.windows.remaining(limitKey(group.destination, this.limitSettings(group), '', sources[0]), limit) === 0;
  }

  private throttle(group: Group, job: Job, conn: OpenConn | null, rids?: number[]): void {
    const limit = group.row.recipientLimit.value;
    if (!limit) return;
    const perIp = group.row.limitType.value === 'mxip' && conn ? conn.target.ip : null;
    const iface = conn?.connection.localAddress ?? this.o.sources?.[0] ?? 'default';
    this.o.log.write(perIp ? lines.maxRecipientsMxip(limit.limit, group.destination, iface) : lines.throttled(group.destination, iface));
    const reason = recipientLimitReason(group.destination, limit, perIp);
    for (const r of job.recipients) {
      if (rids && !rids.includes(r.rid)) continue;
      const e = job.entries.get(r.rid);
      if (!e) continue;
      Object.assign(e, { status: 'deferred', reason, reply: null });
      this.o.log.write(lines.delayed(conn?.dcid ?? null, job.mid, r.rid, reason));
    }
  }

  private limitSettings(group: Group): { limitType: 'domain' | 'mxip'; limitApply: 'system' | 'vg' } {
    return { limitType: group.row.limitType.value, limitApply: group.row.limitApply.value };
  }

  /** The source address for the next connection: round-robin, or under per-gateway limits the least busy one. */
  private pickSource(group: Group, ip: string | null): string | undefined {
    // Only a source of the target's family can be bound (an IPv4 source cannot reach ::1); with none of
    // that family the attempt goes out from the default interface, as Postfix does with smtp_bind_address6 unset.
    const all = this.o.sources ?? [];
    const sources = ip === null ? all : all.filter((s) => isIP(s) === isIP(ip));
    if (sources.length === 0) return undefined;
    if (group.row.limitApply.value === 'vg' && ip !== null) {
      const load = (s: string): number => this.slots.active(limitKey(group.destination, this.limitSettings(group), ip, s));
      return [...sources].sort((a, b) => load(a) - load(b))[0];
    }
    return sources[this.sourceTurn++ % sources.length];
  }

  private async openConnection(
    group: Group,
    job: Job,
    route: Route,
  ): Promise<{ ok: true; conn: OpenConn } | { ok: false; interrupted: boolean; failure: AttemptFailure | null; reason: string }> {
    const { row } = group;
    const failures: AttemptFailure[] = [];
    let attempts = 0;
    for (const target of route.targets) {
      const source = this.pickSource(group, target.ip);
      const key = limitKey(group.destination, this.limitSettings(group), target.ip, source);
      const claims = [{ key, max: row.maxConcurrency.value }];
      if (this.o.maxConnections) claims.push({ key: '*', max: this.o.maxConnections });
      if (this.slots.active(key) >= row.maxConcurrency.value) this.o.log.write(lines.maxConnections(row.maxConcurrency.value, group.destination));
      const granted = !this.stopping && (await this.slots.acquire(claims));
      if (!granted) return { ok: false, interrupted: true, failure: null, reason: NOT_ATTEMPTED };
      if (this.stopping) {
        this.slots.release(claims.map((c) => c.key));
        return { ok: false, interrupted: true, failure: null, reason: NOT_ATTEMPTED };
      }
      attempts++;
      const dcid = this.nextDcid++;
      const mode = row.tls.value;
      // A close during the set-up is logged after what this loop says about the failed attempt (TLS failed,
      // TLS was required, Connection Error), so the log tells each connection's story in order.
      const host = target.mxHost || target.ip;
      let settingUp = true;
      let heldClose: ConnectionEvent | null = null;
      const flushClose = (): void => {
        settingUp = false;
        if (heldClose) logConnectionEvent(this.o.log, heldClose, host);
        heldClose = null;
      };
      const result = await this.o.connector({
        target: { ip: target.ip, port: this.o.port, mxHost: target.mxHost, ...(source ? { localAddress: source } : {}) },
        policy: {
          mode,
          referenceIds: isIpDestination(group.destination) ? [] : [group.destination, ...(target.mxHost ? [target.mxHost] : [])],
          servername: target.mxHost,
          ...(this.o.extraCa ? { extraCa: this.o.extraCa } : {}),
          ...(this.o.clientCert ? { clientCert: this.o.clientCert } : {}),
        },
        helo: this.o.helo,
        timeouts: this.o.timeouts,
        dcid,
        onEvent: (ev) => {
          if (ev.type === 'closed' && settingUp) heldClose = ev;
          else logConnectionEvent(this.o.log, ev, host);
        },
      });
      if (result.ok) {
        flushClose();
        // The attempts that failed before this one count for the job (sendJob counts this one).
        for (const e of job.entries.values()) e.attempts += attempts - 1;
        this.open.add(result.connection);
        return { ok: true, conn: { connection: result.connection, target, dcid, keys: claims.map((c) => c.key), limitKey: key, assigned: 0, sending: false } };
      }
      this.slots.release(claims.map((c) => c.key));
      const tlsFailure = isTlsFailure(result);
      failures.push({ failure: result, mxHost: target.mxHost, ip: target.ip, tlsPolicy: tlsFailure });
      if (tlsFailure && tlsRequired(mode)) {
        this.o.log.write(lines.tlsRequired(dcid, target.ip));
      } else if (!tlsFailure) {
        this.o.log.write(lines.connectionError(dcid, target.ip, result.reason, source ?? 'default', connectionErrorKind(result.stage)));
      }
      flushClose();
      if (this.stopping) return { ok: false, interrupted: true, failure: null, reason: NOT_ATTEMPTED };
    }
    const deciding = decidingFailure(failures);
    for (const e of job.entries.values()) e.attempts += attempts;
    return { ok: false, interrupted: false, failure: deciding ?? null, reason: deciding ? describeFailure(deciding) : '4.4.4 No address to try' };
  }

  private async closeConn(conn: OpenConn): Promise<void> {
    try {
      await conn.connection.close();
    } finally {
      this.open.delete(conn.connection);
      this.slots.release(conn.keys);
    }
  }

  /**
   * Sends `job` (already counted in conn.assigned) and, when the connection may take one more and the
   * row has no recipient limit (admission must happen when a transaction starts), reserves the next
   * queued job for it, put in `held` before the send so it is never lost.
   */
  private async sendAndReserve(
    group: Group,
    conn: OpenConn,
    job: Job,
    prebuilt: OutboundMessage | null,
    maxMessages: number,
    held: { ahead: Ahead | null },
  ): Promise<void> {
    let next: Ahead | null = null;
    const pipelines = conn.connection.capabilities.has('PIPELINING') && !group.row.recipientLimit.value;
    if (pipelines && !this.stopping && conn.assigned < maxMessages && group.queue.length > 0) {
      const nextJob = group.queue.shift() as Job;
      conn.assigned++;
      next = { job: nextJob, on: conn, message: await this.outbound(group, nextJob, nextJob.recipients), started: false };
      held.ahead = next;
    }
    conn.sending = true;
    try {
      const result = await this.sendJob(group, job, conn, prebuilt, next?.message);
      if (!result) conn.assigned--;
      else if (next && result.nextStarted) next.started = true;
    } finally {
      conn.sending = false;
    }
  }

  private async outbound(group: Group, job: Job, recipients: Job['recipients']): Promise<OutboundMessage> {
    const from = group.row.bounceVerification.value ? batvTag(job.from, await this.loadBatvKey(), new Date(this.now())) : job.from;
    return { mid: job.mid, from, recipients, content: job.content };
  }

  /**
   * Carries one job over the connection (`next`: the message the connection may start behind it).
   * Returns null when the recipient limit left nobody to send it to.
   */
  private async sendJob(group: Group, job: Job, conn: OpenConn, prebuilt: OutboundMessage | null, next?: OutboundMessage): Promise<MessageResult | null> {
    let recipients = job.recipients;
    const limit = group.row.recipientLimit.value;
    if (limit) {
      const admitted = this.windows.admit(conn.limitKey, limit, recipients.length);
      if (admitted < recipients.length) {
        const over = recipients.slice(admitted);
        this.throttle(group, job, conn, over.map((r) => r.rid));
        recipients = recipients.slice(0, admitted);
      }
      if (recipients.length === 0) return null;
    }
    const message = prebuilt ?? (await this.outbound(group, job, recipients));
    for (const r of recipients) {
      const e = job.entries.get(r.rid);
      if (e) e.attempts++;
    }
    this.o.log.write(lines.deliveryStart(conn.dcid, job.mid, recipients.map((r) => r.rid)));
    const result = await conn.connection.send(message, next);
    const tls = conn.connection.tls;
    const delivered: number[] = [];
    for (const r of result.recipients) {
      const e = job.entries.get(r.rid);
      if (!e) continue;
      this.record(e, r, conn.target, tls, group);
      if (r.status === 'delivered') delivered.push(r.rid);
      else if (r.status === 'deferred') this.o.log.write(lines.delayed(conn.dcid, job.mid, r.rid, reasonFor(r), r.reply));
      else this.o.log.write(lines.bounced(conn.dcid, job.mid, r.rid, reasonFor(r), r.reply));
    }
    if (delivered.length > 0) this.o.log.write(lines.messageDone(conn.dcid, job.mid, delivered, result.finalReply));
    return result;
  }

  private record(e: RecipientReport, r: RecipientResult, target: RouteTarget, tls: TlsInfo, group: Group): void {
    e.status = r.status;
    e.mxHost = target.mxHost || null;
    e.ip = target.ip;
    e.reply = r.reply ?? null;
    e.reason = r.reason ?? null;
    e.tls = reportTls(group.row.tls.value, tls);
  }

  /** Settles every recipient of a job that no server decided (DNS, all addresses failed, shutdown). */
  private settleJob(
    job: Job,
    status: 'bounced' | 'deferred',
    failure: AttemptFailure | null,
    reason: string,
  ): void {
    for (const r of job.recipients) {
      const e = job.entries.get(r.rid);
      if (!e) continue;
      e.status = status;
      e.reason = reason;
      if (failure) {
        e.mxHost = failure.mxHost || null;
        e.ip = failure.ip;
        e.reply = failure.failure.stage === 'greeting' || failure.failure.stage === 'ehlo' ? (failure.failure.reply ?? null) : null;
        e.tls = reportTls(e.tls.mode, failure.failure.tls);
      }
      this.o.log.write(status === 'bounced' ? lines.bounced(null, job.mid, r.rid, reason) : lines.delayed(null, job.mid, r.rid, reason));
    }
  }

  private loadBatvKey(): Promise<Buffer> {
    if (!this.o.batvKey) throw new Error('bounce verification is on but no BATV key source was given');
    this.batvKey ??= this.o.batvKey();
    return this.batvKey;
  }
}

function connectionErrorKind(stage: string): string {
  if (stage === 'timeout') return 'connection timed out';
  if (stage === 'connect') return 'network error';
  return 'unexpected SMTP response';
}

/** `Delayed:` / `Bounced:` reason words for a recipient the server decided. */
function reasonFor(r: RecipientResult): string {
  if (r.reply) return replyPhrase(r.reply as SmtpReply);
  return r.reason ?? 'unknown';
}

