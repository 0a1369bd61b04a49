// A minimal STARTTLS sink on raw sockets that greets at once (smtp-server waits 100 ms before every
// greeting), answers pipelined command groups with one write, and counts what it accepts. It exists so
// the bench can show connection set-up cost that smtp-server's delay would hide. It speaks just enough
// ESMTP for a delivery client: EHLO/HELO, STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { SinkCounters, type ConnectionCounter } from './sink-counters.js';
import type { KeyAndCert } from './cert.js';
import type { RcptRule, SmtpSink } from './sink-smtp.js';

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const MAX_LINE = 4096;

export async function startRawSink(opts: { tls?: KeyAndCert; host?: string; rcptRule?: RcptRule; detailed?: boolean }): Promise<SmtpSink> {
  const counters = new SinkCounters(opts.detailed ?? true);
  const secureContext = opts.tls ? tls.createSecureContext({ key: opts.tls.key, cert: opts.tls.cert }) : undefined;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const counter = counters.connection(socket.localAddress?.replace(/^::ffff:/, '') ?? '');
    socket.on('close', () => {
      sockets.delete(socket);
      counter.close();
    });
    socket.on('error', () => socket.destroy());
    socket.write('220 sink.bench ESMTP ready\r\n');
    serve(socket, false, counter);
  });

  function serve(stream: net.Socket, secure: boolean, counter: ConnectionCounter): void {
    let pending: Buffer = Buffer.alloc(0);
    let inData = false;
    let mailFrom = false;
    let rcpts: string[] = [];
    let upgrading = false;

    const onData = (chunk: Buffer): void => {
      if (upgrading) return; // bytes after STARTTLS and before the handshake are discarded (RFC 3207 §4.2)
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const out: string[] = [];
      for (;;) {
        if (inData) {
          const end = pending.indexOf(END_OF_DATA);
          if (end < 0) {
            pending = pending.subarray(Math.max(0, pending.length - 4));
            break;
          }
          pending = pending.subarray(end + END_OF_DATA.length);
          inData = false;
          counter.accepted(rcpts);
          out.push('250 2.0.0 Ok: queued\r\n');
          mailFrom = false;
          rcpts = [];
          continue;
        }
        const eol = pending.indexOf(CRLF);
        if (eol < 0) {
          if (pending.length > MAX_LINE) {
            stream.end('500 5.5.2 Line too long\r\n');
            return;
          }
          break;
        }
        const line = pending.subarray(0, eol).toString('latin1');
        pending = pending.subarray(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          mailFrom = false;
          rcpts = [];
          out.push(
            verb === 'HELO'
              ? '250 sink.bench\r\n'
              : `250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n${secureContext && !secure ? '250-STARTTLS\r\n' : ''}250 ENHANCEDSTATUSCODES\r\n`,
          );
        } else if (verb === 'STAR' && secureContext && !secure) {
          stream.write(out.join('') + '220 2.0.0 Ready to start TLS\r\n');
          upgrading = true;
          stream.removeListener('data', onData);
          const tlsSocket = new tls.TLSSocket(stream, { isServer: true, secureContext });
          tlsSocket.on('error', () => stream.destroy());
          tlsSocket.once('secure', () => counter.tls(tlsSocket.isSessionReused()));
          serve(tlsSocket as unknown as net.Socket, true, counter);
          return;
        } else if (verb === 'MAIL') {
          mailFrom = true;
          rcpts = [];
          out.push('250 2.1.0 Ok\r\n');
        } else if (verb === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const refusal = opts.rcptRule?.(address);
          if (!mailFrom) out.push('503 5.5.1 Need MAIL first\r\n');
          else if (refusal) out.push(`${refusal.code} ${refusal.message}\r\n`);
          else {
            rcpts.push(address);
            counter.recipient(address);
            out.push('250 2.1.5 Ok\r\n');
          }
        } else if (verb === 'DATA') {
          if (rcpts.length === 0) out.push('503 5.5.1 No valid recipients\r\n');
          else {
            out.push('354 End data with <CR><LF>.<CR><LF>\r\n');
            inData = true;
            pending = Buffer.concat([CRLF, pending]); // the CRLF that ended DATA begins the terminator search
          }
        } else if (verb === 'RSET') {
          mailFrom = false;
          rcpts = [];
          out.push('250 2.0.0 Ok\r\n');
        } else if (verb === 'NOOP') {
          out.push('250 2.0.0 Ok\r\n');
        } else if (verb === 'QUIT') {
          stream.end(out.join('') + '221 2.0.0 Bye\r\n');
          return;
        } else {
          out.push('502 5.5.2 Command not recognized\r\n');
        }
      }
      if (out.length) stream.write(out.join(''));
    };
    stream.on('data', onData);
  }

  await new Promise<void>((resolve) => server.listen(0, opts.host ?? '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    stats: () => counters.snapshot(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
