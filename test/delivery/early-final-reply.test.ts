// A reply to the final dot that comes before the client has even handed the message data to the system:
// the server answered before it could have read the data (or the dot). Found in QA pass 5: a server that
// answered 354, stopped reading and sent 250 had the message reported delivered, though its final dot
// never left the client. Postfix writes the whole message before it reads the reply (smtp_proto.c), so
// such a 250 counts only once the data is written; a server that never takes the data times out.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type OpenConnection } from '../../src/delivery/types.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/**
 * Greets, answers EHLO/MAIL/RCPT, then answers DATA with 354 and `after354`. `read` false: stops reading at
 * DATA and sends `after354` 200 ms later; `read` true: keeps reading and sends `after354` once the first
 * megabyte of data has arrived, so that it surely comes while most of the data is still to be written.
 */
async function server(after354: string, read: boolean): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const srv = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 mx ESMTP\r\n');
    let text = '';
    let dataFrom = -1;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (dataFrom >= 0) {
        if (received - dataFrom > 1024 * 1024 && dataFrom !== Infinity) {
          dataFrom = Infinity;
          socket.write(after354);
        }
        return;
      }
      text += chunk.toString('latin1');
      for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n')) {
        const line = text.slice(0, i);
        text = text.slice(i + 2);
        if (line.startsWith('EHLO')) socket.write('250-mx\r\n250 SIZE 100000000\r\n');
        else if (line === 'DATA') {
          socket.write('354 go\r\n');
          if (read) {
            dataFrom = received - Buffer.byteLength(text, 'latin1'); // what came after the DATA line is data
            return;
          }
          socket.pause(); // the TCP window fills: the data cannot all leave the client
          socket.removeListener('data', onData);
          setTimeout(() => socket.write(after354), 200);
          return;
        } else if (line.startsWith('MAIL') || line.startsWith('RCPT')) socket.write('250 ok\r\n');
      }
    };
    socket.on('data', onData);
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as net.AddressInfo).port, received: () => received };
}

const BIG = Buffer.from(`Subject: big\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(32 * 1024)}`); // 32 MB

async function sendBig(port: number, dataMs: number) {
  const open = (await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'no', referenceIds: [], servername: 'mx.example.test' },
    helo: 'client.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, dataMs },
    dcid: 1,
  })) as OpenConnection;
  expect(open.ok).toBe(true);
  const result = await open.connection.send({ mid: 1, from: 'a@sender.test', recipients: [{ rid: 0, address: 'b@example.test' }], content: BIG });
  open.connection.destroy();
  return result;
}

describe('a 250 that comes before the message data has left the client', () => {
  it('is not taken for delivery when the server never reads the data: deferred when the data time-out ends', async () => {
    const { port, received } = await server('250 2.0.0 queued before reading anything\r\n', false);
    const result = await sendBig(port, 1500);
    expect(received()).toBeLessThan(BIG.length); // the final dot never reached the server
    expect(result.recipients[0]?.status).toBe('deferred');
    expect(result.recipients[0]?.reason).toMatch(/^4\.4\.2 timed out after 1500 ms waiting for the server to take the message data/);
  });

  it('counts once the data has been written, when the server does read it (as Postfix, which writes before it reads)', async () => {
    const { port, received } = await server('250 2.0.0 queued early\r\n', true);
    const result = await sendBig(port, 20_000);
    expect(result.recipients[0]).toMatchObject({ status: 'delivered', reply: { code: 250, text: 'queued early' } });
    // The whole message and its dot were written (the server reads what the kernel still buffers).
    await expect.poll(received, { timeout: 10_000 }).toBeGreaterThan(BIG.length);
  });
});
