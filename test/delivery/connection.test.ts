// The DeliveryConnection lifecycle: events, source address, IPv6, abort in the middle of a
// transaction (shutdown), misuse, and what close() does on a dead connection.
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type ConnectionEvent, type ConnectOptions, type OpenConnection } from '../../src/delivery/types.js';
import { startHostileServer, startScriptedSmtpServer, type ScriptedConnection } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const MESSAGE = { mid: 5, from: 'a@sender.test', recipients: [{ rid: 0, address: 'b@example.test' }], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') };

function options(port: number, overrides: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'required_verify', referenceIds: ['example.test', 'mx.example.test'], servername: 'mx.example.test', extraCa: [testPki().caCert] },
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000, dataMs: 10_000 },
    dcid: 42,
    ...overrides,
  };
}

describe('connection lifecycle', () => {
  it('reports each protocol step as an event, in order', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'offered', cert: testPki().valid, extensions: ['PIPELINING'] });
    closers.push(() => server.close());
    const events: ConnectionEvent[] = [];
    const open = (await connect(options(server.port, { onEvent: (e) => events.push(e) }))) as OpenConnection;
    await open.connection.send(MESSAGE);
    await open.connection.close();
    expect(events.map((e) => e.type)).toEqual(['connected', 'greeting', 'ehlo', 'starttls', 'tls-success', 'ehlo', 'closed']);
    expect(events.every((e) => e.dcid === 42)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'connected', ip: '127.0.0.1', port: server.port, localAddress: '127.0.0.1' });
    expect(events[2]).toMatchObject({ type: 'ehlo', secure: false, capabilities: ['PIPELINING', 'STARTTLS'] });
    expect(events[5]).toMatchObject({ type: 'ehlo', secure: true, capabilities: ['PIPELINING'] });
    expect(events[4]).toMatchObject({ type: 'tls-success', tls: { protocol: 'TLSv1.3', verified: true } });
  });

  it('reports the greeting before the close when the server greets with 421', async () => {
    const server = await startHostileServer(async (conn: ScriptedConnection) => {
      conn.write('421 4.3.2 not now\r\n');
      await conn.readLine();
    });
    closers.push(() => server.close());
    const events: ConnectionEvent[] = [];
    const result = await connect(options(server.port, { onEvent: (e) => events.push(e) }));
    expect(result).toMatchObject({ ok: false, stage: 'greeting', reply: { code: 421, enhanced: '4.3.2' } });
    expect(events.map((e) => e.type)).toEqual(['connected', 'greeting', 'closed']);
  });

  it('sends from the given source address (virtual gateway)', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered' });
    closers.push(() => server.close());
    const open = (await connect(options(server.port, {
      target: { ip: '127.0.0.1', port: server.port, mxHost: 'mx.example.test', localAddress: '127.0.0.2' },
      policy: { mode: 'no', referenceIds: [], servername: 'mx.example.test' },
    }))) as OpenConnection;
    expect(open.ok).toBe(true);
    expect(open.connection.localAddress).toBe('127.0.0.2');
    expect(open.connection.localPort).toBeGreaterThan(0);
    await open.connection.close();
  });

  it('connects over IPv6 to ::1', async () => {
    const net = await import('node:net');
    const server = net.createServer((socket) => {
      socket.write('220 v6 ESMTP\r\n');
      socket.on('data', (d) => {
        const line = d.toString();
        if (line.startsWith('EHLO')) socket.write('250 v6\r\n');
        else if (line.startsWith('QUIT')) socket.end('221 bye\r\n');
      });
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const open = (await connect(options(port, {
      target: { ip: '::1', port, mxHost: '' },
      policy: { mode: 'preferred', referenceIds: ['[::1]'], servername: '' },
    }))) as OpenConnection;
    expect(open.ok).toBe(true);
    expect(open.connection.localAddress).toBe('::1');
    await open.connection.close();
  });

  it('destroy() in the middle of DATA leaves the recipients deferred, never delivered', async () => {
    let sawData!: () => void;
    const dataSeen = new Promise<void>((resolve) => (sawData = resolve));
    const server = await startHostileServer(async (conn: ScriptedConnection) => {
      conn.write('220 mx\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line.startsWith('EHLO')) conn.write('250 mx\r\n');
        else if (line === 'DATA') {
          conn.write('354 go\r\n');
          await conn.readData();
          sawData();
          return; // and never answer the final dot
        } else conn.write('250 ok\r\n');
      }
    });
    closers.push(() => server.close());
    const open = (await connect(options(server.port, { policy: { mode: 'no', referenceIds: [], servername: '' } }))) as OpenConnection;
    const sending = open.connection.send(MESSAGE);
    await dataSeen;
    open.connection.destroy();
    const result = await sending;
    expect(result.recipients[0]).toMatchObject({ status: 'deferred', reason: '4.4.2 connection closed while waiting for the reply to the final dot' });
    expect(open.connection.usable).toBe(false);
  });

  it('refuses a second send() while one is in progress, and closes a dead connection quietly', async () => {
    const server = await startScriptedSmtpServer({ starttls: 'not-offered' });
    closers.push(() => server.close());
    const open = (await connect(options(server.port, { policy: { mode: 'no', referenceIds: [], servername: '' } }))) as OpenConnection;
    const first = open.connection.send(MESSAGE);
    await expect(open.connection.send(MESSAGE)).rejects.toThrow('send() called while another message is in progress');
    expect((await first).recipients[0]?.status).toBe('delivered');
    server.connections[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await open.connection.send(MESSAGE);
    expect(after.recipients[0]?.status).toBe('deferred');
    await expect(open.connection.close()).resolves.toBeUndefined();
  });
});

describe('smtp-server peers', () => {
  it('a peer that requires STARTTLS refuses MAIL in the clear (No) and accepts it over TLS (Preferred)', async () => {
    const { startSmtpPeer } = await import('../helpers/smtp-peer.js');
    const peer = await startSmtpPeer({ starttls: 'required', cert: testPki().valid });
    closers.push(() => peer.close());
    const clear = (await connect(options(peer.port, { policy: { mode: 'no', referenceIds: [], servername: 'mx.example.test' } }))) as OpenConnection;
    const refused = await clear.connection.send(MESSAGE);
    await clear.connection.close();
    expect(refused.recipients[0]).toMatchObject({ status: 'bounced', reply: { code: 530 } });
    const secure = (await connect(options(peer.port, { policy: { mode: 'preferred', referenceIds: [], servername: 'mx.example.test' } }))) as OpenConnection;
    const accepted = await secure.connection.send(MESSAGE);
    await secure.connection.close();
    expect(accepted.recipients[0]?.status).toBe('delivered');
    expect(peer.mailFroms.map((m) => m.secure)).toEqual([false, true]);
    expect(peer.messages.map((m) => m.secure)).toEqual([true]);
  });

  it('counts the most simultaneous connections it saw', async () => {
    const { startSmtpPeer } = await import('../helpers/smtp-peer.js');
    const peer = await startSmtpPeer({ starttls: 'disabled' });
    closers.push(() => peer.close());
    const policy = { mode: 'no' as const, referenceIds: [], servername: '' };
    const opened = (await Promise.all([1, 2, 3].map(() => connect(options(peer.port, { policy }))))) as OpenConnection[];
    await Promise.all(opened.map((o) => o.connection.close()));
    expect(peer.connections).toBe(3);
    expect(peer.maxConcurrent).toBe(3);
  });
});
