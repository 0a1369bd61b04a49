// The shipped-library sink: smtp-server 3.21 with STARTTLS on a per-run certificate, counting what it
// sees (sink-counters.ts). Note that smtp-server waits 100 ms before every greeting (its early-talker
// check, not configurable), so connection set-up is slow here by design of the peer, not of the client.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { SinkCounters, type ConnectionCounter, type SinkStats } from './sink-counters.js';
import type { KeyAndCert } from './cert.js';

/** How the sink answers a RCPT: undefined accepts; a reply refuses. */
export type RcptRule = (address: string) => { code: number; message: string } | undefined;

export interface SmtpSink {
  port: number;
  stats(): SinkStats;
  close(): Promise<void>;
}

export async function startSmtpServerSink(opts: {
  tls?: KeyAndCert;
  /** Addresses to listen on, all on the same port and counted together (default 127.0.0.1). */
  hosts?: string[];
  rcptRule?: RcptRule;
  /** Count per domain and recipient (off for throughput runs, where only totals matter). */
  detailed?: boolean;
}): Promise<SmtpSink> {
  const counters = new SinkCounters(opts.detailed ?? true);
  const perSession = new Map<string, ConnectionCounter>();
  const counterOf = (session: SMTPServerSession): ConnectionCounter => {
    let c = perSession.get(session.id);
    if (!c) {
      c = counters.connection(session.localAddress);
      perSession.set(session.id, c);
    }
    return c;
  };
  const makeServer = (): SMTPServer => new SMTPServer({
    secure: false,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1000,
    size: 50 * 1024 * 1024,
    onConnect(session, callback) {
      counterOf(session);
      callback();
    },
    onSecure(socket, session, callback) {
      counterOf(session).tls((socket as import('node:tls').TLSSocket).isSessionReused());
      callback();
    },
    onRcptTo(address, session, callback) {
      const refusal = opts.rcptRule?.(address.address);
      if (refusal) {
        callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        return;
      }
      counterOf(session).recipient(address.address);
      callback();
    },
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        counterOf(session).accepted(session.envelope.rcptTo.map((r) => r.address));
        callback(null, 'Ok: queued');
      });
    },
    onClose(session) {
      perSession.get(session.id)?.close();
      perSession.delete(session.id);
    },
  });
  const servers: SMTPServer[] = [];
  let port = 0;
  for (const host of opts.hosts ?? ['127.0.0.1']) {
    const server = makeServer();
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    stats: () => counters.snapshot(),
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {}),
  };
}
