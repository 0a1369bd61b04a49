// Client process for the delivery bench: builds the workload's messages, then measures wall time, CPU
// time (user + system, this process only: the sink runs elsewhere) and peak RSS while one client sends them.
import { serveRequests } from '../lib/worker-ipc.js';
import { makeMessages, type Workload } from '../lib/workload.js';
import type { ClientOutcome, ClientTarget, DeliveryClient } from '../clients/types.js';

export interface ClientRequest {
  client: 'nodemailer' | 'nodemailer-compose' | 'destconfig';
  workload: Workload;
  target: ClientTarget;
}

export interface ClientRun extends ClientOutcome {
  client: ClientRequest['client'];
  elapsedMs: number;
  cpuMs: number;
  /** Peak resident set of the whole client process (includes the messages held in memory). */
  maxRssMb: number;
  /** Resident set before sending (messages built, client loaded), to separate the client's own growth. */
  baseRssMb: number;
  /** Filled in by the bench from the sink's counters. */
  sink?: { messages: number; connections: number; tlsConnections: number; tlsResumed: number; dnsQueries: number; cpuMs: number };
}

async function loadClient(name: ClientRequest['client']): Promise<DeliveryClient> {
  if (name === 'nodemailer') return (await import('../clients/nodemailer.js')).nodemailerClient;
  if (name === 'nodemailer-compose') return (await import('../clients/nodemailer-compose.js')).nodemailerComposeClient;
  return (await import('../clients/destconfig.js')).destconfigClient;
}

serveRequests(async (m) => {
  const req = m as ClientRequest;
  const client = await loadClient(req.client);
  const messages = makeMessages(req.workload);
  const baseRssMb = process.memoryUsage().rss / 1048576;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const outcome = await client(messages, req.workload, req.target);
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const run: ClientRun = {
    client: req.client,
    ...outcome,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baseRssMb,
  };
  setImmediate(() => process.exit(0));
  return run;
});
