// Case 4, delivery throughput: the same workload (N messages of S bytes to D domains over STARTTLS, the
// same concurrency and messages per connection) sent by our client and by nodemailer's pooled transport
// to the same loopback sink in the same run, A/B interleaved, each client in its own process and the sink
// in another. Run against smtp-server as shipped (100 ms before each greeting) and against the raw sink
// that greets at once, so connection set-up cost is visible. A third client, nodemailer composing each
// message from its fields (its usual use), is measured in the same rounds for context only: the goals are
// judged against nodemailer given the same raw bytes as ours.
import { startWorker } from '../lib/worker-ipc.js';
import type { Report } from '../lib/report.js';
import { fmtSummary, round, roundSummary, summarize, type Summary } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { ClientRequest, ClientRun } from '../workers/client.js';
import type { SinkRequest, SinkStarted } from '../workers/sink.js';
import type { SinkStats } from '../lib/sink-counters.js';

export type SinkKind = 'smtp-server' | 'raw';
type ClientName = ClientRequest['client'];

export async function runClient(client: ClientName, workload: Workload, target: SinkStarted): Promise<ClientRun> {
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of every client run into DIR (for the client's owners).
  const profDir = process.env.BENCH_CPU_PROF;
  const worker = startWorker('client', profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  try {
    return await worker.request<ClientRun>({ client, workload, target } satisfies ClientRequest);
  } finally {
    await worker.stop();
  }
}

/** Starts a sink process; the caller stops it. */
export async function withSink<T>(
  kind: SinkKind,
  domains: number,
  fn: (target: SinkStarted, stats: () => Promise<SinkStats & { dnsQueries: number; cpuMs: number }>) => Promise<T>,
): Promise<T> {
  const sink = startWorker('sink');
  try {
    const target = await sink.request<SinkStarted>({ op: 'start', kind, domains } satisfies SinkRequest);
    return await fn(target, () => sink.request<SinkStats & { dnsQueries: number; cpuMs: number }>({ op: 'stats' } satisfies SinkRequest));
  } finally {
    await sink.request({ op: 'stop' } satisfies SinkRequest).catch(() => {});
    await sink.stop();
  }
}

interface ClientFigures {
  runs: number;
  /** Per run, what the sink counted: messages accepted, connections, connections with STARTTLS (resumed), DNS queries. */
  sinkSaw: ClientRun['sink'][];
  msgsPerSec: Summary;
  cpuMsPerMsg: Summary;
  maxRssMb: Summary;
  /** The sink's own CPU per message while it served this client (it shares the machine's cores). */
  sinkCpuMsPerMsg: Summary;
  failedRuns: string[];
}

function figures(runs: ClientRun[], failures: string[], workload: Workload): ClientFigures {
  const ok = runs.filter((r) => r.delivered === workload.messages);
  for (const r of runs) if (r.delivered !== workload.messages) failures.push(`${r.delivered}/${workload.messages} delivered: ${r.errors.join('; ').slice(0, 200)}`);
  return {
    runs: ok.length,
    sinkSaw: ok.map((r) => r.sink),
    msgsPerSec: roundSummary(summarize(ok.map((r) => (r.delivered / r.elapsedMs) * 1000)), 0),
    cpuMsPerMsg: roundSummary(summarize(ok.map((r) => r.cpuMs / r.delivered)), 3),
    maxRssMb: roundSummary(summarize(ok.map((r) => r.maxRssMb)), 1),
    sinkCpuMsPerMsg: roundSummary(summarize(ok.map((r) => (r.sink?.cpuMs ?? NaN) / r.delivered)), 3),
    failedRuns: failures,
  };
}

export async function benchDelivery(report: Report, opts: { rounds: number; workload: Workload; sinks: SinkKind[] }): Promise<void> {
  const w = opts.workload;
  const results: Record<string, unknown> = { workload: w, rounds: opts.rounds };
  for (const kind of opts.sinks) {
    const runs: Record<ClientName, ClientRun[]> = { nodemailer: [], destconfig: [], 'nodemailer-compose': [] };
    const failures: Record<ClientName, string[]> = { nodemailer: [], destconfig: [], 'nodemailer-compose': [] };
    await withSink(kind, w.domains, async (target, sinkStats) => {
      for (let round = 0; round < opts.rounds; round++) {
        // Each round rotates which client goes first (A/B interleaved, the context client alongside).
        const clients: ClientName[] = ['nodemailer', 'destconfig', 'nodemailer-compose'];
        const order = [...clients.slice(round % 3), ...clients.slice(0, round % 3)];
        for (const client of order) {
          try {
            const before = await sinkStats();
            const run = await runClient(client, w, target);
            const after = await sinkStats();
            // What the sink saw of this run: the check that both clients really did the same work.
            run.sink = {
              messages: after.messages - before.messages,
              connections: after.connections - before.connections,
              tlsConnections: after.tlsConnections - before.tlsConnections,
              tlsResumed: after.tlsResumed - before.tlsResumed,
              dnsQueries: after.dnsQueries - before.dnsQueries,
              cpuMs: after.cpuMs - before.cpuMs,
            };
            runs[client].push(run);
          } catch (err) {
            failures[client].push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
          }
        }
      }
    });
    const nm = figures(runs.nodemailer, failures.nodemailer, w);
    const ours = figures(runs.destconfig, failures.destconfig, w);
    const composing = figures(runs['nodemailer-compose'], failures['nodemailer-compose'], w);
    const label = `delivery/${kind}`;
    const entry: Record<string, unknown> = { nodemailer: nm, destconfig: ours, nodemailerComposing: composing };
    for (const [name, f] of [['nodemailer', nm], ['destconfig', ours]] as const) {
      if (f.runs === 0) {
        report.row(label, `${name}`, 'fails', (f.failedRuns[0] ?? '').slice(0, 60), name === 'nodemailer' ? null : false);
        continue;
      }
      report.row(label, `${name} msgs/s`, fmtSummary(f.msgsPerSec, 0));
      report.row(label, `${name} CPU ms/msg`, fmtSummary(f.cpuMsPerMsg, 3));
      report.row(label, `${name}: sink's own CPU ms/msg`, fmtSummary(f.sinkCpuMsPerMsg, 3));
      const saw = f.sinkSaw[0];
      if (saw) report.row(label, `${name} connections (TLS resumed), DNS queries`, `${saw.connections} (${saw.tlsResumed}), ${saw.dnsQueries}`);
    }
    if (nm.runs > 0 && ours.runs > 0) {
      const speed = ours.msgsPerSec.median / nm.msgsPerSec.median;
      const cpu = ours.cpuMsPerMsg.median / nm.cpuMsPerMsg.median;
      entry.ratio = { throughput: round(speed), cpuPerMessage: round(cpu) };
      report.row(label, 'throughput ours/nodemailer', `${speed.toFixed(2)}×`, '≥3×', speed >= 3);
      report.row(label, 'CPU/msg ours/nodemailer', `${cpu.toFixed(2)}×`, '≤0.33×', cpu <= 1 / 3);
    }
    if (composing.runs > 0 && ours.runs > 0) {
      // Context, no goal: nodemailer doing its own MIME composition as well (more work than ours does).
      report.row(label, 'context: nodemailer composing, msgs/s; CPU ms/msg', `${composing.msgsPerSec.median}; ${composing.cpuMsPerMsg.median}`);
      const speed = ours.msgsPerSec.median / composing.msgsPerSec.median;
      const cpu = ours.cpuMsPerMsg.median / composing.cpuMsPerMsg.median;
      entry.ratioToComposing = { throughput: round(speed), cpuPerMessage: round(cpu) };
      report.row(label, 'context: ours vs nodemailer composing', `${speed.toFixed(2)}×; CPU ${cpu.toFixed(2)}×`);
    } else if (composing.failedRuns.length > 0) {
      report.row(label, 'context: nodemailer composing', 'fails', (composing.failedRuns[0] ?? '').slice(0, 60));
    }
    results[kind] = entry;
  }
  report.results.delivery = results;
}
