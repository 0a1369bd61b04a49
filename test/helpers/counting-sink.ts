// An smtp-server sink on 127.0.0.1 (no STARTTLS, PIPELINING offered) that keeps no message data: for each
// message accepted it records the Subject (read from the first chunk) and the number of bytes (the data
// after dot-unstuffing, the terminator taken off: a file's exact size when it ends with CRLF). The load
// tests send hundreds of MB through it; `beforeGreeting` lets a test hold a connection's 220 greeting.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CountingSink {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Messages accepted with 250 after the final dot, in order. */
  messages: { subject: string; bytes: number }[];
  close(): Promise<void>;
}

export async function startCountingSink(opts: { beforeGreeting?: () => Promise<void> } = {}): Promise<CountingSink> {
  const sink: CountingSink = { port: 0, connections: 0, messages: [], close: async () => undefined };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onConnect(_session, callback) {
      sink.connections++;
      if (!opts.beforeGreeting) return callback();
      opts.beforeGreeting().then(() => callback(), callback);
    },
    onData(stream, _session, callback) {
      let bytes = 0;
      let subject: string | null = null;
      stream.on('data', (chunk: Buffer) => {
        subject ??= /Subject: (.*)\r\n/.exec(chunk.toString('latin1', 0, 1024))?.[1] ?? '';
        bytes += chunk.length;
      });
      stream.on('end', () => {
        sink.messages.push({ subject: subject ?? '', bytes });
        callback(null, 'Ok: counted');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
