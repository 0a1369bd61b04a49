// Hostile and broken servers: silence, endless multi-line replies, 100,000-byte lines, drops in the
// middle of DATA or before the final reply, odd greetings and EHLO replies, a stalled handshake, and
// STARTTLS hygiene (capabilities from before TLS are forgotten; a CRLF-free fragment after the 220).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type ConnectFailure, type OpenConnection, type Timeouts } from '../../src/delivery/types.js';
import type { TlsMode } from '../../src/table/types.js';
import { startHostileServer, startScriptedSmtpServer, type ScriptedConnection } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';

const TIMEOUTS: Timeouts = { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000, dataMs: 10_000 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function serve(script: (conn: ScriptedConnection) => Promise<void>) {
  const server = await startHostileServer(script);
  closers.push(() => server.close());
  return server;
}

function attempt(port: number, mode: TlsMode = 'no', timeouts: Partial<Timeouts> = {}) {
  return connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode, referenceIds: ['example.test', 'mx.example.test'], servername: 'mx.example.test', extraCa: [testPki().caCert] },
    helo: 'client.sender.test',
    timeouts: { ...TIMEOUTS, ...timeouts },
    dcid: 9,
  });
}

const MESSAGE = { mid: 1, from: 'a@sender.test', recipients: [{ rid: 0, address: 'b@example.test' }], content: Buffer.from('Subject: x\r\n\r\nhello\r\n') };

/** Greets, answers EHLO (PIPELINING), MAIL, RCPT; then hands over to `afterData` once DATA arrives. */
function untilData(afterData: (conn: ScriptedConnection) => Promise<void>) {
  return async (conn: ScriptedConnection) => {
    conn.write('220 mx ESMTP\r\n');
    for (;;) {
      const line = await conn.readLine();
      if (line === null) return;
      if (line.startsWith('EHLO')) conn.write('250-mx\r\n250 PIPELINING\r\n');
      else if (line === 'DATA') return afterData(conn);
      else conn.write('250 ok\r\n');
    }
  };
}

describe('servers that stall or flood', () => {
  it('gives up on a silent server after the greeting timeout', async () => {
    const server = await serve(async () => undefined);
    const result = (await attempt(server.port, 'no', { greetingMs: 300 })) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'timeout' });
    expect(result.reason).toBe('timed out after 300 ms waiting for the greeting');
  });

  it('times out a read on its own time-out after reads with a longer one', async () => {
    // The greeting is read under 10 s, then EHLO under 300 ms: the shorter time-out applies at once, not
    // when the connection's timer, set for the greeting, would have fired (the test would end first).
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port, 'no', { greetingMs: 10_000, commandMs: 300 })) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'timeout', reason: 'timed out after 300 ms waiting for the reply to EHLO' });
  }, 5000);

  it("runs a pipelined group's time-out from its last reply: a slow group whose replies keep coming completes", async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250-mx\r\n250 PIPELINING\r\n');
      await conn.readLine(); // MAIL, the RCPTs and DATA arrive in one group
      // Ten replies 150 ms apart: 1.5 s in all, over the 1 s time-out, but never 1 s without one.
      const replies = ['250 ok', ...Array(8).fill('250 ok'), '354 go ahead'];
      for (const reply of replies) {
        await new Promise((r) => setTimeout(r, 150));
        conn.write(`${reply}\r\n`);
      }
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line === '.') conn.write('250 2.0.0 queued\r\n');
      }
    });
    const open = (await attempt(server.port, 'no', { commandMs: 1000 })) as OpenConnection;
    const recipients = Array.from({ length: 8 }, (_, i) => ({ rid: i, address: `r${i}@example.test` }));
    const result = await open.connection.send({ ...MESSAGE, recipients });
    expect(result.recipients.map((r) => r.status)).toEqual(Array(8).fill('delivered'));
    await open.connection.close();
  });

  it('refuses an endless multi-line reply', async () => {
    const server = await serve(async (conn) => {
      const chunk = '220-still greeting you\r\n'.repeat(200);
      for (let i = 0; i < 1000 && conn.clearText !== null; i++) {
        conn.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const result = (await attempt(server.port)) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol' });
    expect(result.reason).toBe('protocol violation: multi-line reply longer than 512 lines');
  });

  it('refuses a 100,000-byte reply line', async () => {
    const server = await serve(async (conn) => {
      conn.write(`220 ${'x'.repeat(100_000)}\r\n`);
    });
    const result = (await attempt(server.port)) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol', reason: 'protocol violation: reply line longer than 4096 bytes' });
  });

  it('refuses a reply that is not SMTP', async () => {
    const server = await serve(async (conn) => conn.write('HTTP/1.1 400 Bad Request\r\n'));
    const result = (await attempt(server.port)) as ConnectFailure;
    expect(result.stage).toBe('protocol');
    expect(result.reason).toContain('malformed reply line');
  });

  it('defers (never delivers) when the server stalls after the final dot', async () => {
    const server = await serve(untilData(async (conn) => {
      conn.write('354 go\r\n');
      await conn.readData();
      // ...and never answer.
    }));
    const open = (await attempt(server.port, 'no', { dataMs: 300 })) as OpenConnection;
    const result = await open.connection.send(MESSAGE);
    expect(result.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(result.recipients[0]?.reason).toBe('4.4.2 timed out after 300 ms waiting for the reply to the final dot');
    expect(open.connection.usable).toBe(false);
    await open.connection.close();
  });
});

describe('servers out of step', () => {
  it('drops a server that sends a reply nobody asked for', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250 mx\r\n250 2.0.0 and another one\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port)) as OpenConnection;
    const sent = await result.connection.send(MESSAGE);
    expect(sent.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(sent.recipients[0]?.reason).toContain('protocol violation: reply received before any command asked for it');
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\n');
  });

  // Found in the delivery code review (29 Nov 2026): the reply nobody asked for was then read as the answer
  // to the command whose write found it, so a line sent behind the greeting became the reply to EHLO (no
  // STARTTLS in it: "TLS is required, but was not offered", 4.7.4, the SETUP alert), and one sent behind the
  // EHLO reply became the reply to MAIL FROM (the session then counted as answered: no next MX).
  it('does not read a reply sent behind the greeting as the reply to EHLO (Required: a protocol violation, not "STARTTLS not offered")', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n250 2.0.0 nobody asked\r\n');
      await conn.readLine();
      conn.write('250-mx\r\n250 STARTTLS\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port, 'required')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol', reason: 'protocol violation: reply received before any command asked for it' });
    expect(result.tls?.offered).toBe(false);
  });

  it('does not read a reply sent behind the EHLO reply as the reply to MAIL FROM', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250 mx\r\n250 2.1.0 nobody asked\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port)) as OpenConnection;
    const sent = await result.connection.send(MESSAGE);
    expect(sent.mailReply).toBeUndefined();
    expect(sent.recipients[0]).toMatchObject({ status: 'deferred', reason: '4.5.0 protocol violation: reply received before any command asked for it while waiting for the reply to MAIL FROM' });
  });

  it('still reads a 421 sent unasked as the answer to the next command (RFC 5321 §3.8: the server is shutting down)', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250 mx\r\n421 4.3.2 Service shutting down\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port)) as OpenConnection;
    const sent = await result.connection.send(MESSAGE);
    expect(sent.mailReply).toMatchObject({ code: 421, enhanced: '4.3.2' });
    expect(sent.recipients[0]).toMatchObject({ status: 'deferred', reply: { code: 421 } });
  });

  it('stops using a connection after a 421 and does not say QUIT on it', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250-mx\r\n250 PIPELINING\r\n');
      await conn.readLine();
      conn.write('421 4.4.2 idle too long, closing\r\n');
      await conn.readLine();
    });
    const result = (await attempt(server.port)) as OpenConnection;
    const sent = await result.connection.send(MESSAGE);
    expect(sent.recipients[0]).toMatchObject({
      status: 'deferred',
      reply: { code: 421, enhanced: '4.4.2' },
      reason: 'the server is closing the connection: 421 4.4.2 idle too long, closing',
    });
    expect(result.connection.usable).toBe(false);
    await result.connection.close();
    expect(server.connections[0]?.clearText).not.toContain('QUIT');
  });
});

describe('pipelined groups cut short', () => {
  it('names the reply it was waiting for when a pipelined group stalls', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250-mx\r\n250 PIPELINING\r\n');
      await conn.readLine();
      conn.write('250 2.1.0 sender ok\r\n550 5.1.1 no such user\r\n');
      await conn.readLine();
    });
    const open = (await attempt(server.port, 'no', { commandMs: 1000 })) as OpenConnection;
    const result = await open.connection.send({ ...MESSAGE, recipients: [{ rid: 0, address: 'x@example.test' }, { rid: 1, address: 'y@example.test' }] });
    expect(result.mailReply).toEqual({ code: 250, enhanced: '2.1.0', text: 'sender ok' });
    // The refusal that did arrive stands; the recipient without a reply is deferred.
    expect(result.recipients.map((r) => [r.status, r.reply?.code, r.reason])).toEqual([
      ['bounced', 550, undefined],
      ['deferred', undefined, '4.4.2 timed out after 1000 ms waiting for the reply to RCPT TO'],
    ]);
  });
});

describe('connections lost mid-transaction', () => {
  it('defers when the server drops in the middle of DATA', async () => {
    const server = await serve(untilData(async (conn) => {
      conn.write('354 go\r\n');
      await conn.readLine();
      conn.destroy();
    }));
    const open = (await attempt(server.port)) as OpenConnection;
    const result = await open.connection.send({ ...MESSAGE, content: Buffer.from(`Subject: x\r\n\r\n${'line\r\n'.repeat(50_000)}`) });
    expect(result.recipients[0]?.status).toBe('deferred');
    expect(result.recipients[0]?.reason).toMatch(/^4\.4\.2 connection (closed by the server|error: .*) while waiting for the reply to the final dot$/);
    expect(result.finalReply).toBeUndefined();
    const next = await open.connection.send(MESSAGE);
    expect(next.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(next.recipients[0]?.reason).toMatch(/^4\.4\.2 connection no longer usable/);
  });

  it('defers when the server closes after the final dot without a reply', async () => {
    const server = await serve(untilData(async (conn) => {
      conn.write('354 go\r\n');
      await conn.readData();
      conn.close();
    }));
    const open = (await attempt(server.port)) as OpenConnection;
    const result = await open.connection.send(MESSAGE);
    expect(result.recipients[0]?.status).toBe('deferred');
  });

  it('keeps a reply that arrived just before the close (421 to DATA)', async () => {
    const server = await serve(untilData(async (conn) => {
      conn.write('421 4.3.2 shutting down\r\n');
      conn.close();
    }));
    const open = (await attempt(server.port)) as OpenConnection;
    const result = await open.connection.send(MESSAGE);
    expect(result.recipients[0]).toMatchObject({ status: 'deferred', reply: { code: 421, enhanced: '4.3.2', text: 'shutting down' } });
  });
});

describe('greeting and EHLO', () => {
  it('reports a refused connection', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = (await attempt(port)) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'connect' });
    expect(result.reason).toContain('ECONNREFUSED');
  });

  // After a 554 greeting the client sends QUIT (RFC 5321 §3.1); a 421 announces the close, so no QUIT.
  it.each([
    ['421 4.7.0 too busy', 421, ''],
    ['554 5.7.1 go away', 554, 'QUIT\r\n'],
  ])('reports a %s greeting', async (greeting, code, clientSent) => {
    const server = await serve(async (conn) => {
      conn.write(`${greeting}\r\n`);
      if ((await conn.readLine()) === 'QUIT') conn.write('221 bye\r\n');
      conn.close();
    });
    const result = (await attempt(server.port)) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'greeting', reply: { code } });
    expect(result.reason).toBe(`greeting refused: ${greeting}`);
    expect(server.connections[0]?.clearText).toBe(clientSent);
  });

  function ehloRefusing() {
    return serve(async (conn) => {
      conn.write('220 mx old-school SMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line.startsWith('EHLO')) conn.write('502 5.5.1 EHLO not implemented\r\n');
        else if (line.startsWith('HELO')) conn.write('250 mx\r\n');
        else if (line === 'QUIT') {
          conn.write('221 bye\r\n');
          conn.close();
          return;
        } else conn.write('250 ok\r\n');
      }
    });
  }

  it('falls back to HELO when EHLO is refused and TLS is not required', async () => {
    const server = await ehloRefusing();
    const result = (await attempt(server.port, 'preferred')) as OpenConnection;
    expect(result.ok).toBe(true);
    expect(result.connection.tls).toMatchObject({ offered: false, negotiated: false });
    await result.connection.close();
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\nHELO client.sender.test\r\nQUIT\r\n');
  });

  it('never falls back to HELO under a Required mode', async () => {
    const server = await ehloRefusing();
    const result = (await attempt(server.port, 'required')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'tls' });
    expect(result.reason).toBe('TLS is required, but the server refused EHLO: 502 5.5.1 EHLO not implemented');
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\nQUIT\r\n');
  });

  it('does not take STARTTLS from the first EHLO line (the server name line)', async () => {
    const server = await serve(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      await conn.readLine();
      conn.write('250-STARTTLS\r\n250 PIPELINING\r\n');
      await conn.readLine();
      conn.write('221 bye\r\n');
      conn.close();
    });
    const result = (await attempt(server.port, 'required')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'tls', reason: 'TLS is required, but was not offered by host mx.example.test' });
  });
});

/** Greets, offers STARTTLS, and answers the STARTTLS command with `reply` (raw bytes); then `after`. */
function answerStartTls(reply: string, after: (conn: ScriptedConnection) => Promise<unknown> = (conn) => conn.readLine()) {
  return serve(async (conn) => {
    conn.write('220 mx ESMTP\r\n');
    await conn.readLine();
    conn.write('250-mx\r\n250 STARTTLS\r\n');
    await conn.readLine();
    conn.write(reply);
    await after(conn);
  });
}

describe('STARTTLS hygiene', () => {
  it('drops the connection when a CRLF-free fragment follows the 220', async () => {
    const server = await answerStartTls('220 go ahead\r\n250 AUTH PLA');
    const result = (await attempt(server.port, 'preferred')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol' });
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\nSTARTTLS\r\n');
  });

  it('reports bytes that are no reply, sent with the 220, as data after the 220 (never parsed as replies)', async () => {
    const server = await answerStartTls('220 go ahead\r\ninjected-garbage\r\n');
    const result = (await attempt(server.port, 'required')) as ConnectFailure;
    expect(result).toMatchObject({
      ok: false,
      stage: 'protocol',
      reason: 'protocol violation: data received after the 220 reply to STARTTLS, before the TLS handshake',
    });
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\nSTARTTLS\r\n');
  });

  it('after a 454 to STARTTLS followed by bytes that are no reply, sends nothing more (Preferred)', async () => {
    const server = await answerStartTls('454 4.7.0 not now\r\ninjected-garbage\r\n');
    const result = (await attempt(server.port, 'preferred')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol' });
    expect(server.connections[0]?.clearText).toBe('EHLO client.sender.test\r\nSTARTTLS\r\n');
  });

  it('uses only the capabilities of the EHLO after TLS', async () => {
    const server = await startScriptedSmtpServer({
      starttls: 'offered',
      cert: testPki().valid,
      extensions: ['8BITMIME'],
      clearOnlyExtensions: ['SIZE 10', 'PIPELINING'],
    });
    closers.push(() => server.close());
    const open = (await attempt(server.port, 'required_verify')) as OpenConnection;
    expect([...open.connection.capabilities.keys()]).toEqual(['8BITMIME']);
    const result = await open.connection.send(MESSAGE);
    await open.connection.close();
    expect(result.recipients[0]?.status).toBe('delivered');
    expect(server.connections[0]?.tlsText).toContain('MAIL FROM:<a@sender.test>\r\n');
  });

  it('fails with stage tls when the handshake stalls after the 220', async () => {
    const server = await answerStartTls('220 go ahead\r\n', () => new Promise((resolve) => setTimeout(resolve, 5_000)));
    const result = (await attempt(server.port, 'preferred', { tlsMs: 300 })) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'tls', reason: 'TLS handshake timed out after 300 ms' });
  });

  it('abandons the connection (no clear-text fallback) when TLS-looking garbage follows the 220', async () => {
    const server = await answerStartTls('220 go ahead\r\n', async (conn) => {
      await conn.waitForBytes(); // the ClientHello
      conn.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03]));
      await conn.readLine();
    });
    const result = (await attempt(server.port, 'preferred')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'tls', tls: { attempted: true, negotiated: false } });
    expect(result.reason).toMatch(/^TLS handshake failed: /);
    // OpenSSL's reason words, not its error-stack dump with source paths (that is for debugging OpenSSL).
    expect(result.reason).not.toMatch(/routines|openssl|\.c:\d+/i);
    expect(server.connections[0]?.clearText).not.toContain('MAIL');
  });

  it('abandons the session on an unexpected 2xx/3xx reply to STARTTLS', async () => {
    const server = await answerStartTls('354 what\r\n');
    const result = (await attempt(server.port, 'preferred')) as ConnectFailure;
    expect(result).toMatchObject({ ok: false, stage: 'protocol', reason: 'unexpected reply to STARTTLS: 354 what' });
  });
});
