// Mail transactions on a live connection: PIPELINING, RSET between messages, SIZE, dot-stuffing and
// CRLF normalisation checked at the server, recipient refusals, and final-reply outcomes.
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type DeliveryConnection, type OutboundMessage } from '../../src/delivery/types.js';
import type { TlsMode } from '../../src/table/types.js';
import { startHostileServer, startScriptedSmtpServer, type HostileServer } from '../helpers/hostile-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';

const TIMEOUTS = { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000, dataMs: 10_000 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function open(port: number, mode: TlsMode = 'no'): Promise<DeliveryConnection> {
  const result = await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode, referenceIds: ['example.test', 'mx.example.test'], servername: 'mx.example.test', extraCa: [testPki().caCert] },
    helo: 'client.sender.test',
    timeouts: TIMEOUTS,
    dcid: 3,
  });
  if (!result.ok) throw new Error(`connect failed: ${result.stage} ${result.reason}`);
  return result.connection;
}

function message(mid: number, recipients: string[], content: string | Buffer = 'Subject: t\r\n\r\nbody\r\n'): OutboundMessage {
  return {
    mid,
    from: 'alice@sender.test',
    recipients: recipients.map((address, rid) => ({ rid, address })),
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
  };
}

/** One message to two recipients on a fresh connection, closed afterwards; both must be delivered. */
async function sendToTwo(port: number) {
  const connection = await open(port);
  const result = await connection.send(message(1, ['b@example.test', 'c@example.test']));
  await connection.close();
  expect(result.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered']);
  return result;
}

async function peer(options: Parameters<typeof startSmtpPeer>[0]): Promise<SmtpPeer> {
  const p = await startSmtpPeer(options);
  closers.push(() => p.close());
  return p;
}

async function hostile(script: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> {
  const s = await startHostileServer(script);
  closers.push(() => s.close());
  return s;
}

describe('PIPELINING and RSET', () => {
  it('sends MAIL, every RCPT and DATA as one group, and RSET before each later message', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered', extensions: ['PIPELINING'] });
    closers.push(() => server.close());
    const connection = await open(server.port);
    const first = await connection.send(message(1, ['b@example.test', 'c@example.test']));
    const second = await connection.send(message(2, ['d@example.test']));
    expect(connection.messagesSent).toBe(2);
    await connection.close();
    expect(first.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(second.recipients.map((r) => r.status)).toEqual(['delivered']);
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]?.clearText).toBe(
      'EHLO client.sender.test\r\n' +
        'MAIL FROM:<alice@sender.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n' +
        'Subject: t\r\n\r\nbody\r\n.\r\n' +
        'RSET\r\nMAIL FROM:<alice@sender.test>\r\nRCPT TO:<d@example.test>\r\nDATA\r\n' +
        'Subject: t\r\n\r\nbody\r\n.\r\n' +
        'QUIT\r\n',
    );
  });

  it('really pipelines: a server that answers only once it holds the whole group still gets the message', async () => {
    const server = await hostile(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine(); // EHLO
      conn.write('250-mx\r\n250 PIPELINING\r\n');
      const group: string[] = [];
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        group.push(line);
        if (line === 'DATA') break;
      }
      // Only now answer MAIL, both RCPTs and DATA, in one write.
      conn.write('250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n');
      await conn.readData();
      conn.write('250 2.0.0 queued\r\n');
      await conn.readLine();
      conn.write('221 bye\r\n');
      conn.close();
    });
    const result = await sendToTwo(server.port);
    expect(result.finalReply).toEqual({ code: 250, enhanced: '2.0.0', text: 'queued' });
  });

  it('sends RSET and the envelope of the next message behind the final dot, before its reply', async () => {
    // The server answers the first dot only once it holds the second message's whole envelope: a client
    // that waited for the reply before sending MAIL would stall here.
    const seen: string[] = [];
    const server = await hostile(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine(); // EHLO
      conn.write('250-mx\r\n250 PIPELINING\r\n');
      for (let line = await conn.readLine(); line !== 'DATA'; line = await conn.readLine()) if (line === null) return;
      conn.write('250 ok\r\n250 ok\r\n354 go\r\n');
      await conn.readData();
      for (let line = await conn.readLine(); line !== 'DATA'; line = await conn.readLine()) {
        if (line === null) return;
        seen.push(line);
      }
      conn.write('250 2.0.0 first queued\r\n250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n');
      await conn.readData();
      conn.write('250 2.0.0 second queued\r\n');
      await conn.readLine();
      conn.write('221 bye\r\n');
      conn.close();
    });
    const connection = await open(server.port);
    const second = message(2, ['d@example.test']);
    const first = await connection.send(message(1, ['b@example.test']), second);
    expect(first.nextStarted).toBe(true);
    expect(first.finalReply?.text).toBe('first queued');
    const result = await connection.send(second);
    await connection.close();
    expect(seen).toEqual(['RSET', 'MAIL FROM:<alice@sender.test>', 'RCPT TO:<d@example.test>']);
    expect(result.recipients.map((r) => r.status)).toEqual(['delivered']);
    expect(result.finalReply?.text).toBe('second queued');
  });

  it('drops the connection, sending no data, when closed with the next envelope already out', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered', extensions: ['PIPELINING'] });
    closers.push(() => server.close());
    const connection = await open(server.port);
    const first = await connection.send(message(1, ['b@example.test']), message(2, ['d@example.test']));
    expect(first.recipients.map((r) => r.status)).toEqual(['delivered']);
    await connection.close();
    const wireText = (): string => server.connections[0]?.clearText ?? '';
    for (let i = 0; i < 500 && wireText().split('DATA\r\n').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const wire = wireText();
    expect(wire.endsWith('Subject: t\r\n\r\nbody\r\n.\r\nRSET\r\nMAIL FROM:<alice@sender.test>\r\nRCPT TO:<d@example.test>\r\nDATA\r\n')).toBe(true);
    expect(wire).not.toContain('QUIT');
  });

  it('waits for each reply when PIPELINING is not offered', async () => {
    let sentAhead = false;
    const server = await hostile(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250-mx\r\n250 8BITMIME\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null || line === 'QUIT') break;
        // Give a client that does not wait a chance to show it, then check nothing else arrived.
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (conn.clearText.endsWith(`${line}\r\n`) === false && line !== 'DATA') sentAhead = true;
        if (line === 'DATA') {
          conn.write('354 go\r\n');
          await conn.readData();
          conn.write('250 queued\r\n');
        } else conn.write('250 ok\r\n');
      }
      conn.write('221 bye\r\n');
      conn.close();
    });
    await sendToTwo(server.port);
    expect(sentAhead).toBe(false);
  });

  it('reuses one connection for many messages on smtp-server (over STARTTLS)', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const connection = await open(p.port, 'required_verify');
    for (let mid = 1; mid <= 5; mid++) {
      const result = await connection.send(message(mid, [`r${mid}@example.test`]));
      expect(result.recipients[0]?.status).toBe('delivered');
    }
    await connection.close();
    expect(p.connections).toBe(1);
    expect(p.messages.map((m) => m.to)).toEqual([1, 2, 3, 4, 5].map((n) => [`r${n}@example.test`]));
    expect(p.messages.every((m) => m.secure)).toBe(true);
  });
});

describe('recipients and replies', () => {
  it('bounces 5xx recipients, defers 4xx ones, delivers the rest', async () => {
    const p = await peer({
      starttls: 'disabled',
      rcptReply: (address) => (address.startsWith('gone') ? 550 : address.startsWith('later') ? 451 : 250),
    });
    const connection = await open(p.port);
    const result = await connection.send(message(1, ['ok@example.test', 'gone@example.test', 'later@example.test']));
    await connection.close();
    expect(result.recipients.map((r) => [r.address, r.status, r.reply?.code])).toEqual([
      ['ok@example.test', 'delivered', 250],
      ['gone@example.test', 'bounced', 550],
      ['later@example.test', 'deferred', 451],
    ]);
    expect(p.messages.map((m) => m.to)).toEqual([['ok@example.test']]);
  });

  it('sends no data when every recipient is refused, and resets for the next message', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered' });
    closers.push(() => server.close());
    const refusing = await hostile(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line.startsWith('EHLO')) conn.write('250-mx\r\n250 PIPELINING\r\n');
        else if (line.startsWith('RCPT')) conn.write('550 5.1.1 no such user\r\n');
        else if (line === 'DATA') conn.write('554 5.5.1 no valid recipients\r\n');
        else if (line === 'QUIT') {
          conn.write('221 bye\r\n');
          conn.close();
          return;
        } else conn.write('250 ok\r\n');
      }
    });
    const connection = await open(refusing.port);
    const result = await connection.send(message(1, ['x@example.test', 'y@example.test']));
    const again = await connection.send(message(2, ['z@example.test']));
    await connection.close();
    expect(result.recipients.map((r) => [r.status, r.reply?.enhanced])).toEqual([
      ['bounced', '5.1.1'],
      ['bounced', '5.1.1'],
    ]);
    expect(result.finalReply).toBeUndefined();
    expect(again.recipients[0]?.status).toBe('bounced');
    const text = refusing.connections[0]?.clearText ?? '';
    expect(text).not.toContain('Subject:');
    // DATA ended the pipelined group; then RSET; the second message needs no second RSET.
    expect(text).toBe(
      'EHLO client.sender.test\r\n' +
        'MAIL FROM:<alice@sender.test>\r\nRCPT TO:<x@example.test>\r\nRCPT TO:<y@example.test>\r\nDATA\r\nRSET\r\n' +
        'MAIL FROM:<alice@sender.test>\r\nRCPT TO:<z@example.test>\r\nDATA\r\nRSET\r\nQUIT\r\n',
    );
  });

  it('a 250 reply to DATA sends no data, defers with 4.5.0 and drops the connection (no reuse, no QUIT)', async () => {
    const confused = await hostile(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line.startsWith('EHLO')) conn.write('250 mx\r\n');
        else conn.write(line === 'DATA' ? '250 2.0.0 ok\r\n' : '250 ok\r\n');
      }
    });
    const connection = await open(confused.port);
    const result = await connection.send(message(1, ['x@example.test']));
    expect(result.recipients.map((r) => [r.status, r.reply?.code, r.reason])).toEqual([
      ['deferred', 250, '4.5.0 protocol error: the server answered DATA with 250 instead of 354; no message data sent'],
    ]);
    expect(connection.usable).toBe(false);
    await connection.close();
    const text = confused.connections[0]?.clearText ?? '';
    expect(text).toBe('EHLO client.sender.test\r\nMAIL FROM:<alice@sender.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n');
  });

  it('takes MAIL FROM refusals and final replies for what they are', async () => {
    const p = await peer({ starttls: 'disabled', dataReply: (m) => (m.to[0]?.startsWith('perm') ? 554 : m.to[0]?.startsWith('temp') ? 452 : 250) });
    const connection = await open(p.port);
    const perm = await connection.send(message(1, ['perm@example.test']));
    const temp = await connection.send(message(2, ['temp@example.test']));
    const ok = await connection.send(message(3, ['ok@example.test']));
    await connection.close();
    expect([perm, temp, ok].map((r) => [r.recipients[0]?.status, r.finalReply?.code])).toEqual([
      ['bounced', 554],
      ['deferred', 452],
      ['delivered', 250],
    ]);
  });

  it('refuses a message larger than the server SIZE before MAIL FROM, with a permanent reason', async () => {
    const p = await peer({ starttls: 'disabled', size: 1000 });
    const connection = await open(p.port);
    expect(connection.capabilities.get('SIZE')).toBe('1000');
    const big = await connection.send(message(1, ['a@example.test'], `Subject: big\r\n\r\n${'x'.repeat(2000)}\r\n`));
    const small = await connection.send(message(2, ['a@example.test']));
    await connection.close();
    expect(big.recipients[0]).toMatchObject({ status: 'bounced' });
    expect(big.recipients[0]?.reason).toMatch(/^5\.3\.4 message size 20\d\d bytes exceeds the server's limit of 1000 bytes/);
    expect(big.mailReply).toBeUndefined();
    expect(small.recipients[0]?.status).toBe('delivered');
    expect(p.mailFroms).toHaveLength(1);
  });

  it('declares SIZE= in MAIL FROM when the server offers SIZE', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered', extensions: ['SIZE 100000'] });
    closers.push(() => server.close());
    const connection = await open(server.port);
    await connection.send(message(1, ['a@example.test'], 'Subject: s\r\n\r\nbody\r\n'));
    await connection.close();
    expect(server.connections[0]?.clearText).toContain('MAIL FROM:<alice@sender.test> SIZE=20\r\n');
  });

  it('refuses addresses that would inject commands', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered' });
    closers.push(() => server.close());
    const connection = await open(server.port);
    const result = await connection.send(message(1, ['ok@example.test', 'bad@example.test>\r\nRSET']));
    await connection.close();
    expect(result.recipients.map((r) => r.status)).toEqual(['delivered', 'bounced']);
    expect(server.connections[0]?.clearText).not.toContain('bad@');
  });
});

describe('message data', () => {
  it('normalises line endings and dot-stuffs, so the server gets back exactly the lines sent', async () => {
    const p = await peer({ starttls: 'disabled' });
    const connection = await open(p.port);
    const content = 'Subject: dots\n\n.leading dot\n..two dots\r\n.\rbare CR line\nlast line without newline';
    const result = await connection.send(message(1, ['a@example.test'], content));
    await connection.close();
    expect(result.recipients[0]?.status).toBe('delivered');
    expect(p.messages[0]?.data.toString()).toBe(
      'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nbare CR line\r\nlast line without newline\r\n',
    );
  });

  it('puts the stuffed dots on the wire', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered' });
    closers.push(() => server.close());
    const connection = await open(server.port);
    await connection.send(message(1, ['a@example.test'], '.\r\n.x\r\n'));
    await connection.close();
    expect(server.connections[0]?.clearText).toContain('DATA\r\n..\r\n..x\r\n.\r\n');
  });
});
