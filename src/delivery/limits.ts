// The row's delivery limits (reference §1, §4): simultaneous connections per destination domain or per
// mail-exchanger IP, counted system-wide or per virtual gateway (source address); and at most N recipients
// per M minutes per destination. Pure bookkeeping: time comes from an injected clock, waiting for a free
// connection slot is a promise the caller awaits. Each destination domain has its own counters, including
// the domains the Default row governs (reference §1: "Default limits apply per unlisted domain").
import type { LimitApply, LimitType, RecipientLimit } from '../table/types.js';

export interface LimitSettings {
  maxConcurrency: number;
  limitType: LimitType;
  limitApply: LimitApply;
  recipientLimit: RecipientLimit | null;
}

/**
 * The counter a connection or recipient is charged to: the destination domain, or the domain and MX IP
 * (limit type "each mail exchanger IP"), and the source address when limits apply per virtual gateway.
 */
export function limitKey(domain: string, s: Pick<LimitSettings, 'limitType' | 'limitApply'>, ip: string, source: string | undefined): string {
  let key = s.limitType === 'mxip' ? `${domain} ${ip}` : domain;
  if (s.limitApply === 'vg') key += ` via ${source ?? 'default'}`;
  return key;
}

export interface SlotClaim {
  key: string;
  max: number;
}

/**
 * Counts open connections per key, with the highest count each key ever reached (for reports and tests).
 * Waiters are served first come, first served: a release hands the freed slot straight to the first waiter
 * whose claims now fit, so no waiter is woken only to find the slot gone.
 */
export class ConnectionSlots {
  private readonly open = new Map<string, number>();
  private queue: { claims: SlotClaim[]; resolve: (granted: boolean) => void }[] = [];
  readonly peak = new Map<string, number>();

  active(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /** Takes one slot on every key if each is below its limit; all or nothing. */
  tryAcquire(claims: SlotClaim[]): boolean {
    if (claims.some((c) => this.active(c.key) >= c.max)) return false;
    for (const c of claims) {
      const n = this.active(c.key) + 1;
      this.open.set(c.key, n);
      if (n > (this.peak.get(c.key) ?? 0)) this.peak.set(c.key, n);
    }
    return true;
  }

  /** Resolves true once the claims are granted, or false when the waiting is cancelled (shutdown). */
  acquire(claims: SlotClaim[]): Promise<boolean> {
    if (this.tryAcquire(claims)) return Promise.resolve(true);
    return new Promise((resolve) => this.queue.push({ claims, resolve }));
  }

  release(keys: string[]): void {
    for (const key of keys) {
      const n = this.active(key) - 1;
      if (n <= 0) this.open.delete(key);
      else this.open.set(key, n);
    }
    this.queue = this.queue.filter((w) => {
      if (!this.tryAcquire(w.claims)) return true;
      w.resolve(true);
      return false;
    });
  }

  /** Ends every wait with `false`. */
  cancelWaiting(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const w of waiting) w.resolve(false);
  }
}

/** Admissions per key as [time, count] pairs: the form kept between runs (state.ts). */
export type WindowSnapshot = Record<string, [number, number][]>;

/** The longest window a row can set (recipient_minutes is 1..60). */
const LONGEST_WINDOW_MS = 60 * 60_000;

/** Sliding windows of admitted recipients per key: at most `limit` within the last `minutes`. */
export class RecipientWindows {
  private readonly admitted = new Map<string, { at: number; count: number }[]>();

  constructor(
    private readonly now: () => number,
    snapshot: WindowSnapshot = {},
  ) {
    for (const [key, list] of Object.entries(snapshot)) {
      if (!Array.isArray(list)) continue;
      const entries = list.filter((e) => Array.isArray(e) && Number.isFinite(e[0]) && Number.isInteger(e[1]) && e[1] > 0).map(([at, count]) => ({ at, count }));
      if (entries.length > 0) this.admitted.set(key, entries);
    }
  }

  /** Admissions still inside the longest possible window, for the next run. */
  snapshot(): WindowSnapshot {
    const since = this.now() - LONGEST_WINDOW_MS;
    const out: WindowSnapshot = {};
    for (const [key, list] of this.admitted) {
      const live = list.filter((e) => e.at > since && e.count > 0).map((e): [number, number] => [e.at, e.count]);
      if (live.length > 0) out[key] = live;
    }
    return out;
  }

  /** How many recipients the window still admits for this key. */
  remaining(key: string, limit: RecipientLimit): number {
    return Math.max(0, limit.limit - this.used(key, limit));
  }

  /** Admits up to `count` recipients and returns how many were admitted (the rest are over the limit). */
  admit(key: string, limit: RecipientLimit, count: number): number {
    const n = Math.min(count, this.remaining(key, limit));
    if (n > 0) {
      const list = this.admitted.get(key) ?? [];
      list.push({ at: this.now(), count: n });
      this.admitted.set(key, list);
    }
    return n;
  }

  /**
   * Gives back `count` admissions of this key: recipients of a session lost before any reply to MAIL FROM
   * (session-fallback.ts), admitted again when the next target takes them, or of a message whose file could
   * not be read when its transaction was to start (send-job.ts). Which admission was theirs is
   * not known here (other connections may have admitted recipients since), so the oldest admissions still
   * inside the window (`limit`, when given) go first: what is kept is then never older than what should
   * have been, and the window never admits more than the limit. Giving back the latest first took another
   * connection's later admission and left the lost session's earlier one, which expired too soon. The
   * price: when the lost session's was the latest, an earlier admission goes instead, and the window stays
   * full a little longer than it had to (never more than one window).
   */
  refund(key: string, count: number, limit?: RecipientLimit): void {
    if (limit) this.used(key, limit); // drops the admissions already out of the window
    const list = this.admitted.get(key) ?? [];
    for (let i = 0; i < list.length && count > 0; i++) {
      const entry = list[i] as { at: number; count: number };
      const back = Math.min(count, entry.count);
      entry.count -= back;
      count -= back;
    }
  }

  private used(key: string, limit: RecipientLimit): number {
    const list = this.admitted.get(key);
    if (!list) return 0;
    const since = this.now() - limit.minutes * 60_000;
    while (list.length > 0 && (list[0]?.at ?? 0) <= since) list.shift();
    return list.reduce((sum, e) => sum + e.count, 0);
  }
}

/** The reason given to recipients deferred by a recipient limit (report and `Delayed:` line). */
export function recipientLimitReason(domain: string, limit: RecipientLimit, perIp: string | null): string {
  const scope = perIp ? `${domain} via MX IP ${perIp}` : domain;
  const per = limit.minutes === 1 ? 'minute' : `${limit.minutes} minutes`;
  return `4.4.5 Recipient limit of ${limit.limit} per ${per} reached for ${scope}; try again later`;
}

/** What DestinationCapacity needs to know of an open connection. */
export interface CarryingConnection {
  /** Jobs the connection has taken. */
  assigned: number;
  /** A send() is in progress (the connection reads as not usable meanwhile, yet is not broken). */
  sending: boolean;
  connection: { readonly usable: boolean };
}

/**
 * The room one destination's connections still have under the row's messages per connection, counting
 * those being opened. A worker about to open a connection asks `covers()` first and leaves the jobs to
 * the others when they can carry them all, so a destination gets no more connections than its queue
 * needs (100 messages at 50 per connection: two, each carrying 50), whatever order the workers run in.
 */
export class DestinationCapacity {
  private connecting = 0;
  private readonly live = new Set<CarryingConnection>();

  constructor(private readonly perConnection: number) {}

  /** True when the connections open or being opened can take `waiting` more jobs. */
  covers(waiting: number): boolean {
    // A worker opening a connection already holds the job it opens it for.
    let spare = this.connecting * (this.perConnection - 1);
    for (const c of this.live) if (c.sending || c.connection.usable) spare += Math.max(0, this.perConnection - c.assigned);
    return waiting <= spare;
  }

  /** True when a connection of the destination is open and carrying its mail (usable, or sending now). */
  carrying(): boolean {
    for (const c of this.live) if (c.sending || c.connection.usable) return true;
    return false;
  }

  opening(): void {
    this.connecting++;
  }

  /** The attempt `opening()` announced has ended, with a connection or without. */
  opened(conn: CarryingConnection | null): void {
    this.connecting--;
    if (conn) this.live.add(conn);
  }

  closing(conn: CarryingConnection): void {
    this.live.delete(conn);
  }
}
