// Sink process for the delivery bench: a DNS server for the bench domains plus one SMTP sink (smtp-server
// as shipped, or the raw sink that greets at once), on a per-run self-signed certificate.
import { selfSignedCert } from '../lib/cert.js';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../../test/helpers/dns-server.js';
import { startRawSink } from '../lib/sink-raw.js';
import { startSmtpServerSink, type SmtpSink } from '../lib/sink-smtp.js';
import { serveRequests } from '../lib/worker-ipc.js';
import { domainName, isBenchDomain } from '../lib/workload.js';

export type SinkRequest = { op: 'start'; kind: 'smtp-server' | 'raw'; domains: number } | { op: 'stats' } | { op: 'stop' };
export interface SinkStarted {
  smtpPort: number;
  dnsPort: number;
  certPem: string;
}

let sink: SmtpSink | null = null;
let dns: TestDnsServer | null = null;

serveRequests(async (m) => {
  const req = m as SinkRequest;
  if (req.op === 'start') {
    const names: string[] = [];
    for (let i = 0; i < req.domains; i++) names.push(domainName(i), `mx.${domainName(i)}`);
    const tls = selfSignedCert(names);
    dns = await startDnsServer(loopbackZone({ isDomain: isBenchDomain }));
    sink =
      req.kind === 'raw'
        ? await startRawSink({ tls, detailed: false })
        : await startSmtpServerSink({ tls, detailed: false });
    const started: SinkStarted = { smtpPort: sink.port, dnsPort: dns.port, certPem: tls.cert };
    return started;
  }
  // The DNS query count shows whether a client looks names up per message or caches them.
  // The sink's own CPU time (user + system) so far: runs compare differences, as for its counters.
  if (req.op === 'stats') {
    if (!sink) return null;
    const cpu = process.cpuUsage();
    return { ...sink.stats(), dnsQueries: dns?.queries.length ?? 0, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
  await sink?.close();
  setImmediate(() => process.exit(0));
  return { stopped: true };
});
