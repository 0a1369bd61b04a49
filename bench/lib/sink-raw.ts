// A minimal STARTTLS sink on raw sockets that greets at once (smtp-server waits 100 ms before every
// greeting), answers pipelined command groups with one write, and counts what it accepts. It exists so
// the bench can show connection set-up cost that smtp-server's delay would hide. It speaks just enough
// ESMTP for a delivery client: EHLO/HELO, STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
//
// It shares the machine's two cores with the client it measures, so its own cost per message caps what
// a fast client can show: each 'data' chunk is scanned in place (no copy of message data, no Buffer per
// message), the end of data is found with one Buffer.indexOf from where the data starts, a terminator
// split across chunks is found from the few bytes kept of the previous chunk, and the replies to a chunk
// go out in one write. A message counts only once its final dot is read; replies follow command order.
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { SinkCounters, type ConnectionCounter } from './sink-counters.js';
import type { KeyAndCert } from './cert.js';
import type { RcptRule, SmtpSink } from './sink-smtp.js';

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const MAX_LINE = 4096;

/** A command verb's four letters, lower-cased, as one number (no string per command line). */
function verbCode(text: string): number {
  return (text.charCodeAt(0) << 24) | (text.charCodeAt(1) << 16) | (text.charCodeAt(2) << 8) | text.charCodeAt(3);
}
const EHLO = verbCode('ehlo');
const HELO = verbCode('helo');
const STARTTLS = verbCode('star');
const MAIL = verbCode('mail');
const RCPT = verbCode('rcpt');
const DATA = verbCode('data');
const RSET = verbCode('rset');
const NOOP = verbCode('noop');
const QUIT = verbCode('quit');

/** The verb of the line at [start, end): its first four bytes lower-cased (ASCII letters), -1 when shorter. */
function verbAt(line: Buffer, start: number, end: number): number {
  if (end - start < 4) return -1;
  return (((line[start] as number) | 0x20) << 24) | (((line[start + 1] as number) | 0x20) << 16) | (((line[start + 2] as number) | 0x20) << 8) | ((line[start + 3] as number) | 0x20);
}

/** The address between the first `<` and the next `>` of the line at [start, end), or '' when none. */
function addressAt(line: Buffer, start: number, end: number): string {
  const open = line.indexOf(0x3c, start);
  if (open < 0 || open >= end) return '';
  const close = line.indexOf(0x3e, open + 1);
  return line.toString('latin1', open + 1, close < 0 || close > end ? end : close);
}

/**
 * Finds the end of message data (CRLF.CRLF) across chunks. `tail` holds the last bytes of the data seen
 * so far (at most four: a terminator can straddle chunks by no more); it starts as the CRLF that ended
 * the DATA command, so a message with no content ends at its first ".\r\n". Nothing is allocated per
 * chunk: a terminator that begins in the tail is looked for in `seam` (the tail and the chunk's first
 * four bytes), one that begins in the chunk with Buffer.indexOf.
 */
export class DataEnd {
  private readonly tail = Buffer.alloc(4);
  private tailLength = 0;
  private readonly seam = Buffer.alloc(8);

  /** Data begins: what came before is the CRLF that ended DATA. */
  begin(): void {
    this.tail[0] = CR;
    this.tail[1] = LF;
    this.tailLength = 2;
  }

  /** The offset just after the terminator in `chunk` (searching from `from`), or -1 with the tail kept. */
  find(chunk: Buffer, from: number): number {
    const available = chunk.length - from;
    const head = Math.min(4, available);
    const seamLength = this.tailLength + head;
    this.tail.copy(this.seam, 0, 0, this.tailLength);
    chunk.copy(this.seam, this.tailLength, from, from + head);
    for (let i = 0; i + END_OF_DATA.length <= seamLength; i++) {
      if (this.seam[i] === CR && this.seam[i + 1] === LF && this.seam[i + 2] === DOT && this.seam[i + 3] === CR && this.seam[i + 4] === LF) {
        const end = from + i + END_OF_DATA.length - this.tailLength;
        this.tailLength = 0;
        return end;
      }
    }
    const at = chunk.indexOf(END_OF_DATA, from);
    if (at >= 0) {
      this.tailLength = 0;
      return at + END_OF_DATA.length;
    }
    if (available >= 4) {
      chunk.copy(this.tail, 0, chunk.length - 4, chunk.length);
      this.tailLength = 4;
    } else {
      const keep = Math.min(4, seamLength);
      this.seam.copy(this.tail, 0, seamLength - keep, seamLength);
      this.tailLength = keep;
    }
    return -1;
  }
}

export async function startRawSink(opts: { tls?: KeyAndCert; host?: string; rcptRule?: RcptRule; detailed?: boolean }): Promise<SmtpSink> {
  const counters = new SinkCounters(opts.detailed ?? true);
  const secureContext = opts.tls ? tls.createSecureContext({ key: opts.tls.key, cert: opts.tls.cert }) : undefined;
  const sockets = new Set<net.Socket>();
  const ehloReply = (secure: boolean): string =>
    `250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n${secureContext && !secure ? '250-STARTTLS\r\n' : ''}250 ENHANCEDSTATUSCODES\r\n`;

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
    /** A command line not yet ended by CRLF (rare: a line split across chunks). */
    let partial: Buffer | null = null;
    let inData = false;
    const dataEnd = new DataEnd();
    let mailFrom = false;
    let rcpts: string[] = [];
    let upgrading = false;
    /** The replies to the chunk being read, written together at its end. */
    let out = '';

    const onData = (received: Buffer): void => {
      if (upgrading) return; // bytes after STARTTLS and before the handshake are discarded (RFC 3207 §4.2)
      let chunk = received;
      let pos = 0;
      out = '';
      while (pos < chunk.length) {
        if (inData) {
          const end = dataEnd.find(chunk, pos);
          if (end < 0) break;
          pos = end;
          inData = false;
          counter.accepted(rcpts);
          out += '250 2.0.0 Ok: queued\r\n';
          mailFrom = false;
          rcpts = [];
          continue;
        }
        if (partial) {
          chunk = Buffer.concat([partial, chunk.subarray(pos)]);
          pos = 0;
          partial = null;
        }
        const eol = chunk.indexOf(CRLF, pos);
        if (eol < 0) {
          if (chunk.length - pos > MAX_LINE) {
            stream.end(out + '500 5.5.2 Line too long\r\n');
            return;
          }
          partial = Buffer.from(chunk.subarray(pos));
          break;
        }
        if (!command(chunk, pos, eol)) return;
        pos = eol + 2;
      }
      if (out) stream.write(out);
    };

    /** Answers the command line at [start, eol) into `out`; false when the stream is handed over or ended. */
    function command(line: Buffer, start: number, eol: number): boolean {
      const verb = verbAt(line, start, eol);
      if (verb === EHLO || verb === HELO) {
        mailFrom = false;
        rcpts = [];
        out += verb === HELO ? '250 sink.bench\r\n' : ehloReply(secure);
      } else if (verb === STARTTLS && secureContext && !secure) {
        stream.write(out + '220 2.0.0 Ready to start TLS\r\n');
        upgrading = true;
        stream.removeListener('data', onData);
        const tlsSocket = new tls.TLSSocket(stream, { isServer: true, secureContext });
        tlsSocket.on('error', () => stream.destroy());
        tlsSocket.once('secure', () => counter.tls(tlsSocket.isSessionReused()));
        serve(tlsSocket as unknown as net.Socket, true, counter);
        return false;
      } else if (verb === MAIL) {
        mailFrom = true;
        rcpts = [];
        out += '250 2.1.0 Ok\r\n';
      } else if (verb === RCPT) {
        const address = addressAt(line, start, eol);
        const refusal = opts.rcptRule?.(address);
        if (!mailFrom) out += '503 5.5.1 Need MAIL first\r\n';
        else if (refusal) out += `${refusal.code} ${refusal.message}\r\n`;
        else {
          rcpts.push(address);
          counter.recipient(address);
          out += '250 2.1.5 Ok\r\n';
        }
      } else if (verb === DATA) {
        if (rcpts.length === 0) out += '503 5.5.1 No valid recipients\r\n';
        else {
          out += '354 End data with <CR><LF>.<CR><LF>\r\n';
          inData = true;
          dataEnd.begin();
        }
      } else if (verb === RSET) {
        mailFrom = false;
        rcpts = [];
        out += '250 2.0.0 Ok\r\n';
      } else if (verb === NOOP) {
        out += '250 2.0.0 Ok\r\n';
      } else if (verb === QUIT) {
        stream.end(out + '221 2.0.0 Bye\r\n');
        return false;
      } else {
        out += '502 5.5.2 Command not recognized\r\n';
      }
      return true;
    }

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
