// Quick local measurement of the connection layer (issue 6 item 4), not a test and not the bench suite:
// 2,000 messages of 10 KB to 20 domains over STARTTLS (Required - Verify) to an smtp-server sink in a
// child process, driven straight through `connect()` with a small per-domain pool, against nodemailer's
// pooled transport with the same concurrency and messages per connection. Client CPU is this process's.
//   npx esbuild scripts/measure-connection.ts --bundle --platform=node --format=cjs \
//     --outfile=/tmp/measure-connection.cjs --log-level=warning && node /tmp/measure-connection.cjs
import { fork } from 'node:child_process';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { connect } from '../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type OutboundMessage } from '../src/delivery/types.js';
import { testPki } from '../test/helpers/test-ca.js';

const DOMAINS = 20;
const MESSAGES = Number(process.env.MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2); // per domain
const PER_CONNECTION = Number(process.env.PER_CONNECTION ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

interface Job {
  domain: string;
  message: OutboundMessage;
}

function workload(): Job[] {
  const body = `Subject: bench\r\nFrom: a@sender.test\r\n\r\n${'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n'.repeat(155)}`;
  const content = Buffer.from(body);
  return Array.from({ length: MESSAGES }, (_, i) => {
    const domain = `d${i % DOMAINS}.example.test`;
    return { domain, message: { mid: i + 1, from: 'a@sender.test', recipients: [{ rid: 0, address: `r${i}@${domain}` }], content } };
  });
}

async function runOurs(jobs: Job[], ca: string, port: number): Promise<number> {
  const byDomain = new Map<string, OutboundMessage[]>();
  for (const job of jobs) (byDomain.get(job.domain) ?? byDomain.set(job.domain, []).get(job.domain)!).push(job.message);
  let delivered = 0;
  const worker = async (domain: string, queue: OutboundMessage[]): Promise<void> => {
    while (queue.length > 0) {
      const opened = await connect({
        target: { ip: '127.0.0.1', port, mxHost: `mx.${domain}` },
        policy: { mode: 'required_verify', referenceIds: [domain, `mx.${domain}`], servername: `mx.${domain}`, extraCa: [ca] },
        helo: 'client.bench.test',
        timeouts: DEFAULT_TIMEOUTS,
        dcid: 1,
      });
      if (!opened.ok) throw new Error(opened.reason);
      for (let n = 0; n < PER_CONNECTION && queue.length > 0; n++) {
        const result = await opened.connection.send(queue.shift()!);
        if (result.recipients[0]?.status === 'delivered') delivered++;
      }
      await opened.connection.close();
    }
  };
  await Promise.all([...byDomain].flatMap(([domain, queue]) => Array.from({ length: CONCURRENCY }, () => worker(domain, queue))));
  return delivered;
}

async function runNodemailer(jobs: Job[], ca: string, port: number): Promise<number> {
  const pools = new Map<string, Transporter>();
  for (let i = 0; i < DOMAINS; i++) {
    const domain = `d${i}.example.test`;
    pools.set(
      domain,
      nodemailer.createTransport({
        pool: true,
        host: '127.0.0.1',
        port,
        name: 'client.bench.test',
        maxConnections: CONCURRENCY,
        maxMessages: PER_CONNECTION,
        requireTLS: true,
        tls: { ca: [ca], servername: domain }, // the sink's *.example.test certificate
      }),
    );
  }
  let delivered = 0;
  await Promise.all(
    jobs.map(async (job) => {
      const info = await pools.get(job.domain)!.sendMail({
        envelope: { from: job.message.from, to: [job.message.recipients[0]!.address] },
        raw: job.message.content,
      });
      if (info.accepted?.length === 1) delivered++;
    }),
  );
  for (const pool of pools.values()) pool.close();
  return delivered;
}

async function sink(): Promise<void> {
  const cert = testPki().wildcard;
  const server = new SMTPServer({
    secure: false,
    key: cert.key,
    cert: cert.cert,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    disabledCommands: ['AUTH'],
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => callback(null, 'ok'));
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0, ca: testPki().caCert });
  });
}

async function main(): Promise<void> {
  const child = fork(process.argv[1] as string, ['sink']);
  const { port, ca } = await new Promise<{ port: number; ca: string }>((resolve) => child.once('message', (m) => resolve(m as never)));
  const jobs = workload();
  const only = process.env.CLIENTS?.split(',');
  const clients = Object.fromEntries(
    Object.entries({ ours: runOurs, nodemailer: runNodemailer }).filter(([name]) => !only || only.includes(name)),
  );
  const rows: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(clients)) {
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      const delivered = await run(jobs, ca, port);
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      rows.push(
        `${name.padEnd(10)} round ${round}: ${delivered}/${jobs.length} delivered, ${((delivered / wallMs) * 1000).toFixed(0)} msg/s, ` +
          `${(cpuMs / delivered).toFixed(3)} ms CPU/msg`,
      );
      console.log(rows.at(-1));
    }
  }
  child.kill();
}

if (process.argv[2] === 'sink') void sink();
else void main();
