// Messages sent back to back on one PIPELINING connection (each payload and the next envelope in one write,
// connection.ts) to a real smtp-server sink: every message arrives whole and in order, with its own envelope,
// for 8-bit and UTF-8 content (8BITMIME, SMTPUTF8), leading dots, bare LF/CR, no final line end, an empty body;
// a refused recipient or refused data in one transaction does not leak into the next.
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type DeliveryConnection, type OutboundMessage } from '../../src/delivery/types.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** What a server keeps of `content`: CRLF line ends, a final CRLF, no dot-stuffing (written independently). */
function received(content: string): string {
  if (content === '') return '';
  const lines = content.split(/\r\n|\r|\n/);
  if (/(\r\n|\r|\n)$/.test(content)) lines.pop();
  return lines.map((l) => `${l}\r\n`).join('');
}

async function open(peer: SmtpPeer): Promise<DeliveryConnection> {
  const result = await connect({
    target: { ip: '127.0.0.1', port: peer.port, mxHost: 'mx.example.test' },
    policy: { mode: 'required_verify', referenceIds: ['example.test', 'mx.example.test'], servername: 'mx.example.test', extraCa: [testPki().caCert] },
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000, dataMs: 10_000 },
    dcid: 1,
  });
  if (!result.ok) throw new Error(`connect failed: ${result.stage} ${result.reason}`);
  return result.connection;
}

const BODIES = [
  'Subject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÄpfel und Öl\r\n.führender Punkt\r\n',
  'Subject: dots\r\n\r\n.\r\n..\r\n...three\r\n',
  'Subject: bare LF\n\n.dot\nnext\n',
  'Subject: bare CR\r\r.dot\rend',
  '',
  'Subject: refused data\r\n\r\nthe server refuses this one\r\n',
  'Subject: 日本語\r\n\r\n本文\r\n',
  'Subject: last\r\n\r\n.x',
];

describe('pipelined messages at an smtp-server sink', () => {
  it('every message arrives whole, in order, with its own envelope', async () => {
    const peer = await startSmtpPeer({
      starttls: 'offered',
      cert: testPki().valid,
      rcptReply: (a) => (a.startsWith('refused') ? 550 : 250),
      dataReply: (m) => (m.data.toString('utf8').includes('refuses this one') ? 554 : 250),
    });
    closers.push(() => peer.close());
    const messages: OutboundMessage[] = BODIES.map((body, i) => ({
      mid: i + 1,
      from: i === 6 ? 'たろう@sender.test' : `s${i}@sender.test`,
      recipients: [
        { rid: 0, address: i === 6 ? `ユーザー${i}@example.test` : `u${i}@example.test` },
        // A refused recipient in some transactions.
        ...(i % 3 === 1 ? [{ rid: 1, address: `refused${i}@example.test` }] : []),
      ],
      content: Buffer.from(body, 'utf8'),
    }));
    const connection = await open(peer);
    const statuses: string[][] = [];
    const nextStarted: boolean[] = [];
    for (let i = 0; i < messages.length; i++) {
      const result = await connection.send(messages[i] as OutboundMessage, messages[i + 1]);
      statuses.push(result.recipients.map((r) => r.status));
      nextStarted.push(result.nextStarted === true);
    }
    await connection.close();

    expect(statuses).toEqual(messages.map((m, i) => m.recipients.map((r) => (i === 5 ? 'bounced' : r.address.startsWith('refused') ? 'bounced' : 'delivered'))));
    expect(peer.connections).toBe(1);
    // Each next envelope went out with the data before it (the path under test), the last had none.
    expect(nextStarted).toEqual(messages.map((_, i) => i + 1 < messages.length));
    // The sink saw every message's data (it records the refused one too), in order, each with its own
    // envelope (accepted recipients only) and content.
    expect(peer.messages.map((m) => ({ from: m.from, to: m.to, data: m.data.toString('utf8') }))).toEqual(
      messages.map((m) => ({ from: m.from, to: [m.recipients[0]?.address], data: received(m.content.toString('utf8')) })),
    );
  });
});
