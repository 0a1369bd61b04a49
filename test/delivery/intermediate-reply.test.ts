// A 3xx (intermediate) reply where only a completion reply can come: to MAIL FROM, RCPT TO or the final dot.
// Only DATA may get 354 (RFC 5321 §4.2.1, §4.3.2); anywhere else the session is out of step. Found in QA
// pass 5: such a reply deferred its recipients with the 354 as "the reply that decided", no reason, and the
// mail log invented the code "3.0.0". Now: deferred with a 4.5.0 protocol error naming the command, the
// reply kept, the connection dropped (as for a 250 to DATA).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type OpenConnection } from '../../src/delivery/types.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server answering each command from `answer` (null: no reply), and the final dot with `dot`. */
async function server(answer: (line: string) => string | null, dot: string): Promise<number> {
  const srv = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 mx ESMTP\r\n');
    let text = '';
    let inData = false;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n')) {
        const line = text.slice(0, i);
        text = text.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write(dot);
          }
          continue;
        }
        const reply = answer(line);
        if (reply) socket.write(reply);
        if (line === 'DATA' && reply?.startsWith('354')) inData = true;
      }
    });
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return (srv.address() as net.AddressInfo).port;
}

const standard = (pipelining: boolean) => (line: string): string | null => {
  if (line.startsWith('EHLO')) return pipelining ? '250-mx\r\n250 PIPELINING\r\n' : '250 mx\r\n';
  if (line === 'DATA') return '354 go\r\n';
  if (line === 'QUIT') return '221 bye\r\n';
  return '250 2.0.0 ok\r\n';
};

async function sendOne(port: number, commandMs = 10_000) {
  const open = (await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'no', referenceIds: [], servername: 'mx.example.test' },
    helo: 'client.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs, dataMs: 10_000 },
    dcid: 1,
  })) as OpenConnection;
  expect(open.ok).toBe(true);
  const result = await open.connection.send({ mid: 1, from: 'a@sender.test', recipients: [{ rid: 0, address: 'b@example.test' }], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') });
  return { result, usable: open.connection.usable, close: () => open.connection.destroy() };
}

describe('a 3xx reply where only DATA may get one', () => {
  for (const pipelining of [true, false]) {
    const how = pipelining ? 'pipelined' : 'one command at a time';
    it(`to RCPT TO (${how}): deferred, 4.5.0 protocol error, connection dropped`, async () => {
      const port = await server((line) => (line.startsWith('RCPT') ? '354 go on\r\n' : standard(pipelining)(line)), '250 ok\r\n');
      const { result, usable, close } = await sendOne(port);
      close();
      expect(result.recipients[0]).toMatchObject({
        status: 'deferred',
        reply: { code: 354, text: 'go on' },
        reason: '4.5.0 protocol error: the server answered RCPT TO with 354',
      });
      expect(usable).toBe(false);
    });

    it(`to MAIL FROM (${how}): deferred, 4.5.0 protocol error`, async () => {
      const port = await server((line) => (line.startsWith('MAIL') ? '334 what\r\n' : standard(pipelining)(line)), '250 ok\r\n');
      const { result, close } = await sendOne(port);
      close();
      expect(result.recipients[0]).toMatchObject({ status: 'deferred', reason: '4.5.0 protocol error: the server answered MAIL FROM with 334' });
    });
  }

  it('a pipelined group cut short after a 354 in the place of a RCPT reply: the time-out decides, not the 354', async () => {
    // The server skips MAIL FROM: its 250 to RCPT reads as MAIL's, its 354 to DATA as RCPT's, then silence.
    const port = await server((line) => (line.startsWith('MAIL') ? null : standard(true)(line)), '250 ok\r\n');
    const { result, close } = await sendOne(port, 500);
    close();
    expect(result.recipients[0]?.status).toBe('deferred');
    expect(result.recipients[0]?.reason).toMatch(/^4\.4\.2 timed out after 500 ms waiting for the reply to DATA/);
  });

  it('to the final dot: deferred, 4.5.0 protocol error, never delivered', async () => {
    const port = await server(standard(true), '354 more please\r\n');
    const { result, usable, close } = await sendOne(port);
    close();
    expect(result.recipients[0]).toMatchObject({
      status: 'deferred',
      reply: { code: 354 },
      reason: '4.5.0 protocol error: the server answered the final dot with 354',
    });
    expect(usable).toBe(false);
  });
});

describe('a broken reply inside a transaction', () => {
  // As in the set-up (outcome.ts: a protocol violation is 4.5.0), not 4.4.2 (a lost connection or a time-out).
  it('a reply code that changes within a multi-line reply to the final dot: 4.5.0, naming the reply awaited', async () => {
    const port = await server(standard(true), '250-ok\r\n550 no\r\n');
    const { result, close } = await sendOne(port);
    close();
    expect(result.recipients[0]?.status).toBe('deferred');
    expect(result.recipients[0]?.reason).toBe(
      '4.5.0 protocol violation: reply code changed within a multi-line reply (250 then 550) while waiting for the reply to the final dot',
    );
  });
});
