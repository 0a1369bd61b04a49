// A message's data and the next message's envelope leave in one buffer (connection.ts, DataEncoder
// appendText), or in two parts when the envelope does not fit the room after the data. Either way the
// bytes on the wire must be the RFC 5321 DATA payload (CRLF line ends, leading dots doubled, CRLF before
// the final dot) followed by the next MAIL/RCPT/DATA group: checked here at a real server over STARTTLS,
// for bodies with and without leading dots, bare LF and CR, no final line end, an empty body, a large
// one, and envelopes in UTF-8 and too long for the room.
import { afterEach, describe, expect, it } from 'vitest';
import { DataEncoder } from '../../src/delivery/message-data.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type DeliveryConnection, type OutboundMessage } from '../../src/delivery/types.js';
import { startScriptedSmtpServer } from '../helpers/hostile-server.js';
import { startSmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The DATA payload by the rules, written line by line (an implementation independent of message-data.ts). */
function expectedPayload(content: string): string {
  if (content === '') return '.\r\n';
  const lines = content.split(/\r\n|\r|\n/);
  if (/(\r\n|\r|\n)$/.test(content)) lines.pop();
  return lines.map((line) => `${line.startsWith('.') ? '.' : ''}${line}\r\n`).join('') + '.\r\n';
}

async function open(port: number): Promise<DeliveryConnection> {
  const result = await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'required_verify', referenceIds: ['example.test', 'mx.example.test'], servername: 'mx.example.test', extraCa: [testPki().caCert] },
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000, dataMs: 10_000 },
    dcid: 1,
  });
  if (!result.ok) throw new Error(`connect failed: ${result.stage} ${result.reason}`);
  return result.connection;
}

const longLine = 'x'.repeat(70);
const BODIES: string[] = [
  'Subject: plain\r\n\r\nno dots here\r\nat all\r\n',
  '.starts with a dot\r\nSubject: dots\r\n\r\n.\r\n..two\r\nmiddle.dot\r\n.last\r\n',
  'Subject: bare LF\n\n.dot after LF\nline\n',
  'Subject: bare CR\r\rline\r.dot after CR\r',
  'Subject: no final line end\r\n\r\nlast line',
  '',
  // Larger than the encoder's first buffer, wire-ready, so the room after it is the least the encoder keeps.
  Array.from({ length: 400 }, (_, i) => `${longLine} ${i}`).join('\r\n') + '\r\n',
  'Subject: after the large one\r\n\r\n.x\r\n',
];

describe('payload and next envelope in one write', () => {
  it('puts the exact DATA payload, then the next envelope, on the wire for every kind of body', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'offered', cert: testPki().valid, extensions: ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 10000000'] });
    closers.push(() => server.close());
    const messages: OutboundMessage[] = BODIES.map((body, i) => ({
      mid: i + 1,
      // A UTF-8 envelope (SMTPUTF8) for one message, and one with more recipients than the room after a
      // payload holds (the two-part write).
      from: i === 3 ? 'jörg@sender.test' : 'alice@sender.test',
      recipients: Array.from({ length: i === 7 ? 120 : 1 }, (_, rid) => ({ rid, address: `user${i}-${rid}@example.test` })),
      content: Buffer.from(body, 'utf8'),
    }));
    const connection = await open(server.port);
    for (let i = 0; i < messages.length; i++) {
      const result = await connection.send(messages[i] as OutboundMessage, messages[i + 1]);
      expect(result.recipients.every((r) => r.status === 'delivered')).toBe(true);
      expect(result.nextStarted).toBe(i + 1 < messages.length);
    }
    await connection.close();

    expect(server.accepted.map((a) => `${a.data}.\r\n`)).toEqual(BODIES.map(expectedPayload));
    // On the wire, each payload is followed directly by the next message's envelope.
    const wire = server.connections[0]?.tlsText ?? '';
    let at = wire.indexOf('DATA\r\n') + 'DATA\r\n'.length;
    for (let i = 0; i < messages.length; i++) {
      const payload = expectedPayload(BODIES[i] as string);
      expect(wire.slice(at, at + payload.length)).toBe(Buffer.from(payload, 'utf8').toString('latin1'));
      at += payload.length;
      const next = messages[i + 1];
      if (!next) break;
      const size = Buffer.byteLength(expectedPayload(BODIES[i + 1] as string)) - 3;
      const params = ` SIZE=${size}${i + 1 === 3 ? ' SMTPUTF8' : ''}`;
      const envelope = `RSET\r\nMAIL FROM:<${next.from}>${params}\r\n${next.recipients.map((r) => `RCPT TO:<${r.address}>\r\n`).join('')}DATA\r\n`;
      expect(wire.slice(at, at + Buffer.byteLength(envelope))).toBe(Buffer.from(envelope, 'utf8').toString('latin1'));
      at += Buffer.byteLength(envelope);
    }
    expect(wire.slice(at)).toBe('QUIT\r\n');
  });
});

describe('DataEncoder.appendText', () => {
  it('writes the text after the last payload in the same memory, or declines', () => {
    const encoder = new DataEncoder();
    const payload = encoder.encode(Buffer.from('a\r\n.b\r\n'));
    const combined = encoder.appendText(payload, 'MAIL FROM:<ä@x>\r\n');
    expect(combined?.toString('utf8')).toBe('a\r\n..b\r\n.\r\nMAIL FROM:<ä@x>\r\n');
    expect(combined?.buffer).toBe(payload.buffer);
    // Too long for the room after the payload.
    expect(encoder.appendText(encoder.encode(Buffer.from('x\r\n')), 'R'.repeat(1 << 20))).toBeNull();
    // Not this encoder's last payload: a buffer it did not make, or an older one.
    expect(encoder.appendText(Buffer.from('a\r\n.\r\n'), 'x')).toBeNull();
    const older = encoder.encode(Buffer.from('one\r\n'), false);
    encoder.encode(Buffer.from('two\r\n'), false);
    expect(encoder.appendText(older, 'x')).toBeNull();
  });
});

// Messages sent back to back on one PIPELINING connection to a real smtp-server sink: every message arrives
// whole and in order, with its own envelope, for 8-bit and UTF-8 content (8BITMIME, SMTPUTF8), leading dots,
// bare LF/CR, no final line end, an empty body; a refused recipient or refused data in one transaction does
// not leak into the next.
/** What a server keeps of `content`: CRLF line ends, a final CRLF, no dot-stuffing (written independently). */
function received(content: string): string {
  if (content === '') return '';
  const lines = content.split(/\r\n|\r|\n/);
  if (/(\r\n|\r|\n)$/.test(content)) lines.pop();
  return lines.map((l) => `${l}\r\n`).join('');
}

const SINK_BODIES = [
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
    const messages: OutboundMessage[] = SINK_BODIES.map((body, i) => ({
      mid: i + 1,
      from: i === 6 ? 'たろう@sender.test' : `s${i}@sender.test`,
      recipients: [
        { rid: 0, address: i === 6 ? `ユーザー${i}@example.test` : `u${i}@example.test` },
        // A refused recipient in some transactions.
        ...(i % 3 === 1 ? [{ rid: 1, address: `refused${i}@example.test` }] : []),
      ],
      content: Buffer.from(body, 'utf8'),
    }));
    const connection = await open(peer.port);
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
