// The set-up steps of session.ts where the server ends the conversation: a 421 in reply to STARTTLS
// (RFC 5321 §3.8: the server is closing the channel) is a failed attempt in every mode, so delivery goes on
// to the next MX, as after a 421 greeting; it is not a refusal after which Preferred continues in the clear.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { blankEntry, emptyTable, type TlsMode } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';

const timeouts = { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 };

let dns: TestDnsServer;
let good: SmtpPeer;
let closing: net.Server;
/** What the closing server received. */
const received: string[] = [];

/** On 127.0.0.2, the good peer's port: greets, offers STARTTLS, answers it with 421 and closes. */
function startClosingServer(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 mx1.closing.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        received.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'EHLO') socket.write('250-mx1.closing.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (verb === 'STARTTLS') socket.end('421 4.3.2 Service shutting down, closing transmission channel\r\n');
        else socket.write('250 2.0.0 Ok\r\n');
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.2', () => resolve(server)));
}

beforeAll(async () => {
  good = await startSmtpPeer({ starttls: 'offered', cert: testPki().valid });
  closing = await startClosingServer(good.port);
  dns = await startDnsServer({
    'closing.test': { mx: [{ preference: 10, exchange: 'mx1.closing.test' }, { preference: 20, exchange: 'mx.example.test' }] },
    'mx1.closing.test': { a: ['127.0.0.2'] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => closing.close(() => resolve()));
  await good.close();
  await dns.close();
});

describe('a 421 in reply to STARTTLS', () => {
  it('ends the attempt with that reply under Preferred: no connection is handed out for mail', async () => {
    const result = await connect({
      target: { ip: '127.0.0.2', port: good.port, mxHost: 'mx1.closing.test' },
      policy: { mode: 'preferred', referenceIds: ['closing.test', 'mx1.closing.test'], servername: 'mx1.closing.test' },
      helo: 'client.sender.test',
      timeouts,
      dcid: 1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reply?.code).toBe(421);
    expect(result.reason).toContain('421 4.3.2 Service shutting down');
  });

  it.each(['preferred', 'preferred_verify', 'required'] as TlsMode[])('under %s the message goes to the next MX', async (mode) => {
    const table = emptyTable();
    table.entries.set('closing.test', { ...blankEntry('closing.test'), tls: mode });
    const log = new MemoryLog();
    const before = good.messages.length;
    const { report } = await deliver([{ name: 'm.eml', from: 'alice@sender.test', to: ['bob@closing.test'], content: Buffer.from('Subject: 421\n\nhello\n') }], {
      table,
      connector: connect,
      mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 2000, tries: 1 }) }),
      log,
      port: good.port,
      helo: 'client.sender.test',
      timeouts,
      extraCa: [testPki().caCert],
    });
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'mx.example.test', ip: '127.0.0.1', attempts: 2 });
    expect(good.messages.length).toBe(before + 1);
    expect(received).not.toContain('MAIL FROM:<alice@sender.test>');
  });
});
