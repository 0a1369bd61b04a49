// The row's recipient limit (N recipients per M minutes, limits.ts `RecipientWindows`) as a run applies it:
// whether the destination's window is already full before a connection is opened, and deferring the
// recipients over the limit with the appliance's log lines.
import { limitKey, recipientLimitReason } from './limits.js';
import { lines } from './maillog.js';
import type { Group, Job } from './plan.js';
import type { OpenConn } from './open-connection.js';
import { limitSettings, type DeliveryRun } from './run-context.js';

/**
 * True when the destination's recipient window is already full, checked before opening a connection so
 * none is opened for nothing. Per MX IP, or per gateway with several gateways, the counter depends on
 * the connection, so the check waits for it (sendJob).
 */
export function windowClosed(run: DeliveryRun, group: Group): boolean {
  const limit = group.row.recipientLimit.value;
  if (!limit) return false;
  const sources = run.o.sources ?? [];
  if (group.row.limitType.value === 'mxip' || (group.row.limitApply.value === 'vg' && sources.length > 1)) return false;
  return run.windows.remaining(limitKey(group.destination, limitSettings(group), '', sources[0]), limit) === 0;
}

/** Defers the job's recipients (those in `rids` when given) for the recipient limit and logs why. */
export function throttle(run: DeliveryRun, group: Group, job: Job, conn: OpenConn | null, rids?: number[]): void {
  const limit = group.row.recipientLimit.value;
  if (!limit) return;
  const perIp = group.row.limitType.value === 'mxip' && conn ? conn.target.ip : null;
  const iface = conn?.connection.localAddress ?? run.o.sources?.[0] ?? 'default';
  run.o.log.write(perIp ? lines.maxRecipientsMxip(limit.limit, group.destination, iface) : lines.throttled(group.destination, iface));
  const reason = recipientLimitReason(group.destination, limit, perIp);
  for (const r of job.recipients) {
    if (rids && !rids.includes(r.rid)) continue;
    const e = job.entries.get(r.rid);
    if (!e) continue;
    Object.assign(e, { status: 'deferred', reason, reply: null });
    run.o.log.write(lines.delayed(conn?.dcid ?? null, job.mid, r.rid, reason));
  }
}
