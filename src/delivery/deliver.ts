// The delivery orchestrator: groups every message's recipients by destination, finds each destination's
// governing row (src/table/lookup.ts, after Default inheritance), resolves where to connect (dns.ts,
// route.ts), keeps to the row's limits (limits.ts), carries the messages over connections opened by the
// connection layer (types.ts `Connector`), and settles an outcome and mail-log lines for every recipient.
//
// The parts: plan.ts (groups and transactions), destination-worker.ts (per destination, up to
// `maxConcurrency` workers, each reusing its connection up to the row's messages per connection),
// open-connection.ts (addresses in route order under the connection limits), send-job.ts (one
// transaction), session-fallback.ts (a connection lost before any reply to MAIL FROM: on to the next
// target), recipient-window.ts (the recipient limit), recipient-outcomes.ts (report entries and log
// lines), shutdown.ts (SIGTERM/SIGINT), run-context.ts (the state they share).
import type { DeliverOptions, DeliverResult, InputMessage } from './deliver-options.js';
import { DestinationCapacity } from './limits.js';
import { lines } from './maillog.js';
import { NOT_ATTEMPTED, planDelivery, type Group } from './plan.js';
import { DeliveryRun } from './run-context.js';
import { resolveRoute, runWorker } from './destination-worker.js';
import { settleJob } from './recipient-outcomes.js';

export type { DeliverOptions, DeliverResult, InputMessage } from './deliver-options.js';
export type { MessageSource } from './message-source.js';

export async function deliver(messages: InputMessage[], opts: DeliverOptions): Promise<DeliverResult> {
  const run = new DeliveryRun(opts);
  const { groups, entries, rids } = planDelivery(messages, opts.table, opts.firstMid ?? 1);
  await run.shutdown.watch(
    opts.signal,
    async () => {
      await Promise.all(groups.map((g) => runGroup(run, g)));
    },
    opts.cutSignal,
  );
  for (const { entry, rid } of rids) if (entry.reason === NOT_ATTEMPTED) opts.log.write(lines.delayed(null, entry.mid, rid, NOT_ATTEMPTED));
  const summary = { delivered: 0, deferred: 0, bounced: 0 };
  for (const e of entries) summary[e.status]++;
  return { report: { recipients: entries, summary }, peakConnections: run.slots.peak, lastDcid: run.nextDcid - 1 };
}

/** One destination: its route, then as many workers as its row's limits allow and its queue needs. */
async function runGroup(run: DeliveryRun, group: Group): Promise<void> {
  const { row, destination } = group;
  // Interrupted while looking up: its messages stay not attempted (4.3.0); the answer is not waited for.
  const first = await run.shutdown.unlessStopped(resolveRoute(run, group));
  if (first === null) return;
  if (!first.ok) {
    for (const job of group.queue.splice(0)) settleJob(run.o.log, job, first.status, null, first.reason);
    return;
  }
  if (first.route.targets.length === 0) {
    // A temporary failure of an address lookup is a DNS failure (4.4.3, as SERVFAIL anywhere else); with
    // every lookup answered, no usable address is 4.4.4 (e.g. REQUIRE_V6 and only an A record).
    const code = first.route.lookupFailed ? '4.4.3' : '4.4.4';
    const why = `${code} No usable address for ${destination}${first.route.notes.length ? `: ${first.route.notes.join('; ')}` : ''}`;
    for (const job of group.queue.splice(0)) settleJob(run.o.log, job, 'deferred', null, why);
    return;
  }
  const ips = new Set(first.route.targets.map((t) => t.ip)).size;
  const sources = Math.max(1, run.o.sources?.length ?? 0);
  const perKey = row.maxConcurrency.value;
  const workers = Math.min(group.queue.length, perKey * (row.limitType.value === 'mxip' ? ips : 1) * (row.limitApply.value === 'vg' ? sources : 1));
  let firstDone!: () => void;
  group.firstAttempt = new Promise((resolve) => (firstDone = resolve));
  const capacity = new DestinationCapacity(row.maxMessagesPerConnection.value);
  await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(run, group, first.route, capacity, i === 0 ? firstDone : null)));
}
