// The bench's raw sink (bench/lib/sink-raw.ts) is an instrument: its counters decide whether a client's
// run counts, so it must stay a correct SMTP server however lean it is. Checked here: the end of data is
// found wherever chunk boundaries fall (fast-check against a plain search of the whole stream), a message
// counts only once its final dot is read, replies come in command order and one per command for pipelined
// groups, over STARTTLS too, and the usual refusals.
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataEnd, startRawSink } from '../../bench/lib/sink-raw.js';
import { selfSignedCert } from '../../bench/lib/cert.js';
import type { SmtpSink } from '../../bench/lib/sink-smtp.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function sink(opts: Parameters<typeof startRawSink>[0] = {}): Promise<SmtpSink> {
  const s = await startRawSink(opts);
  sinks.push(s);
  return s;
}

/** A scripted client: writes bytes, reads whole replies (the lines up to one with a space after the code). */
class Client {
  private text = '';
  private waiting: (() => void) | null = null;
  closed = false;
  constructor(public socket: net.Socket) {
    this.listen(socket);
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.text += d;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<Client> {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new Client(socket);
    expect(await client.replies(1)).toEqual(['220']);
    return client;
  }

  /** Takes the next `count` replies' codes (each reply's last line), waiting for them. */
  async replies(count: number): Promise<string[]> {
    for (;;) {
      const lines = this.text.split('\r\n');
      const complete = lines.slice(0, -1);
      const ends = complete.map((l, i) => (l[3] === ' ' || l.length === 3 ? i : -1)).filter((i) => i >= 0);
      if (ends.length >= count) {
        const last = ends[count - 1] as number;
        this.text = complete.slice(last + 1).join('\r\n') + (complete.length > last + 1 ? '\r\n' : '') + (lines.at(-1) ?? '');
        return ends.slice(0, count).map((i) => (complete[i] as string).slice(0, 3));
      }
      if (this.closed) throw new Error(`connection closed after ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  /** Nothing more arrives within a short pause (the server is waiting for more of the data). */
  async quiet(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 150));
    return this.text;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async starttls(ca: string): Promise<void> {
    this.write('STARTTLS\r\n');
    expect(await this.replies(1)).toEqual(['220']);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tls.connect({ socket: this.socket, ca, servername: 'mx.d0.bench.test' });
    await new Promise((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.listen(secure);
  }
}

const body = (n: number): string => `Subject: ${n}\r\n\r\n${'.leading dot\r\nline\r\n'.repeat(50)}..\r\nend\r\n`;

describe('DataEnd (end of data across chunks)', () => {
  it('finds the first CRLF.CRLF of the stream (with the CRLF that ended DATA before it) however the data is cut', () => {
    const pieces = fc.constantFrom('\r', '\n', '.', 'x', '\r\n', '\r\n.', '.\r\n', '\r\n.\r\n', '\r\n..\r\n');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), fc.array(fc.nat(60), { maxLength: 8 }), (parts, cuts) => {
        const data = Buffer.from(parts.join(''), 'latin1');
        const first = Buffer.concat([Buffer.from('\r\n'), data]).indexOf('\r\n.\r\n');
        const expected = first < 0 ? -1 : first + 5 - 2;
        const bounds = [...new Set([0, ...cuts.filter((c) => c < data.length), data.length])].sort((a, b) => a - b);
        const end = new DataEnd();
        end.begin();
        let found = -1;
        for (let i = 0; i + 1 < bounds.length && found < 0; i++) {
          const start = bounds[i] as number;
          // Each chunk carries a few command bytes before the data, so `from` is exercised too.
          const chunk = Buffer.concat([Buffer.from('CMD\r\n'), data.subarray(start, bounds[i + 1])]);
          const at = end.find(chunk, 5);
          if (at >= 0) found = start + at - 5;
        }
        expect(found).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('raw sink', () => {
  it('counts a message only after its final dot, even when the dot and its CRLF arrive apart', async () => {
    const s = await sink();
    const c = await Client.open(s.port);
    c.write('EHLO client.test\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<u@d0.bench.test>\r\nDATA\r\n');
    expect(await c.replies(4)).toEqual(['250', '250', '250', '354']);
    c.write(body(1) + '\r\n');
    expect(await c.quiet()).toBe('');
    c.write('.');
    expect(await c.quiet()).toBe('');
    expect(s.stats().messages).toBe(0);
    c.write('\r\n');
    expect(await c.replies(1)).toEqual(['250']);
    expect(s.stats().messages).toBe(1);
    c.write('QUIT\r\n');
    expect(await c.replies(1)).toEqual(['221']);
  });

  it('answers a pipelined group and data with the next envelope in order, one reply per command, over STARTTLS', async () => {
    const cert = selfSignedCert(['mx.d0.bench.test']);
    const s = await sink({ tls: cert });
    const c = await Client.open(s.port);
    c.write('EHLO client.test\r\n');
    expect(await c.replies(1)).toEqual(['250']);
    await c.starttls(cert.cert);
    c.write('EHLO client.test\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<u0@d0.bench.test>\r\nRCPT TO:<u1@d1.bench.test>\r\nDATA\r\n');
    expect(await c.replies(5)).toEqual(['250', '250', '250', '250', '354']);
    for (let i = 0; i < 5; i++) {
      // This message's data and final dot, then the next envelope, in one write (as a pipelining client sends).
      c.write(`${body(i)}.\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<u${i}@d0.bench.test>\r\nDATA\r\n`);
      expect(await c.replies(4)).toEqual(['250', '250', '250', '354']);
    }
    // An empty message, a refused command and an RSET in one group, then QUIT.
    c.write('.\r\nNOOP\r\nBOGUS\r\nRSET\r\nQUIT\r\n');
    expect(await c.replies(5)).toEqual(['250', '250', '502', '250', '221']);
    const stats = s.stats();
    expect(stats).toMatchObject({ connections: 1, tlsConnections: 1, messages: 6, maxMessagesPerConnection: 6 });
    expect(stats.acceptedRecipients).toEqual({ 'u0@d0.bench.test': 2, 'u1@d1.bench.test': 1, 'u1@d0.bench.test': 1, 'u2@d0.bench.test': 1, 'u3@d0.bench.test': 1, 'u4@d0.bench.test': 1 });
  });

  it('refuses RCPT before MAIL, DATA without recipients and recipients its rule refuses; a command line may arrive in pieces', async () => {
    const s = await sink({ rcptRule: (a) => (a.startsWith('bounce') ? { code: 550, message: '5.1.1 no such user' } : undefined) });
    const c = await Client.open(s.port);
    c.write('RCPT TO:<u@d0.bench.test>\r\nDATA\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<bounce@d0.bench.test>\r\nDATA\r\n');
    expect(await c.replies(5)).toEqual(['503', '503', '250', '550', '503']);
    c.write('RCPT TO:<ok@d0');
    expect(await c.quiet()).toBe('');
    c.write('.bench.test>\r\nDA');
    expect(await c.replies(1)).toEqual(['250']);
    c.write('TA\r\n');
    expect(await c.replies(1)).toEqual(['354']);
    c.write('x\r\n.\r\n');
    expect(await c.replies(1)).toEqual(['250']);
    expect(s.stats().acceptedRecipients).toEqual({ 'ok@d0.bench.test': 1 });
  });

  it('ends a connection whose command line runs past 4,096 bytes without an end', async () => {
    const s = await sink();
    const c = await Client.open(s.port);
    c.write('NOOP ' + 'x'.repeat(5000));
    expect(await c.replies(1)).toEqual(['500']);
  });
});
