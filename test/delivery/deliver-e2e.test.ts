// deliver() with the real connection layer against in-process peers (smtp-server) and DNS: routing,
// fallback, limits checked at the server side, per-recipient replies, BATV, alerts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TlsAlerts } from '../../src/delivery/alerts.js';
import { batvValid } from '../../src/delivery/batv.js';
import { deliver, type DeliverOptions, type InputMessage } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { RecipientWindows } from '../../src/delivery/limits.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { startHostileServer, type HostileServer, type ScriptedConnection } from '../helpers/hostile-server.js';
import { startPlainMx } from '../helpers/plain-mx.js';
import { testPki } from '../helpers/test-ca.js';

let dns: TestDnsServer;
const peers: SmtpPeer[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    // The first MX (127.0.0.2) has no listener on the peer's port: refused, so the second carries the mail.
    'fallback.test': { mx: [{ preference: 10, exchange: 'down.fallback.test' }, { preference: 20, exchange: 'up.fallback.test' }] },
    'down.fallback.test': { a: ['127.0.0.2'] },
    'up.fallback.test': { a: ['127.0.0.1'] },
    'implicit.test': { a: ['127.0.0.1'] },
    'nullmx.test': { mx: [{ preference: 0, exchange: '.' }] },
    'broken.test': { servfail: true },
    'dual.test': { mx: [{ preference: 10, exchange: 'mx.dual.test' }] },
    'mx.dual.test': { a: ['127.0.0.1'], aaaa: ['::1'] },
    'v6only.test': { aaaa: ['::1'] },
    // MX hosts with an address of one family only (reference §11: under "Required" a host without the
    // family is skipped, and with nothing left the message waits as for an unreachable host).
    'v6mx.test': { mx: [{ preference: 10, exchange: 'mx.v6mx.test' }] },
    'mx.v6mx.test': { aaaa: ['::1'] },
    'v4mx.test': { mx: [{ preference: 10, exchange: 'mx.v4mx.test' }] },
    'mx.v4mx.test': { a: ['127.0.0.1'] },
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
    // Two MX hosts: a scripted server on 127.0.0.2 that loses the session, and the peer on 127.0.0.1.
    'twomx.test': { mx: [{ preference: 10, exchange: 'mx1.twomx.test' }, { preference: 20, exchange: 'mx2.twomx.test' }] },
    'mx1.twomx.test': { a: ['127.0.0.2'] },
    'mx2.twomx.test': { a: ['127.0.0.1'] },
    'onemx.test': { mx: [{ preference: 10, exchange: 'mx1.twomx.test' }] },
  });
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
afterAll(() => dns.close());

async function peer(options: Parameters<typeof startSmtpPeer>[0] = { starttls: 'offered', cert: testPki().valid }): Promise<SmtpPeer> {
  const p = await startSmtpPeer(options);
  peers.push(p);
  return p;
}

function table(...entries: Partial<DestEntry>[]): DestTable {
  const t = emptyTable();
  for (const e of entries) t.entries.set(e.destination as string, { ...blankEntry(e.destination as string), ...e });
  return t;
}

const message = (to: string[], from = 'alice@sender.test', name = 'm.eml'): InputMessage => ({ name, from, to, content: Buffer.from(`Subject: ${name}\n\nhello\n`) });

async function run(messages: InputMessage[], t: DestTable, port: number, extra: Partial<DeliverOptions> = {}) {
  const log = new MemoryLog();
  const result = await deliver(messages, {
    table: t,
    connector: connect,
    mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }) }),
    log,
    port,
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
    extraCa: [testPki().caCert],
    ...extra,
  });
  return { ...result, log };
}

describe('routing', () => {
  it('falls back to the next MX when the first refuses the connection', async () => {
    const p = await peer();
    const { report, log } = await run([message(['bob@fallback.test'])], emptyTable(), p.port);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'up.fallback.test', ip: '127.0.0.1', attempts: 2 });
    expect(p.messages.map((m) => m.to)).toEqual([['bob@fallback.test']]);
    expect(log.lines.some((l) => /Connection Error: DCID: \d+ IP: 127\.0\.0\.2 /.test(l))).toBe(true);
  });

  it('delivers to the domain itself when it has no MX (implicit MX)', async () => {
    const p = await peer();
    const { report } = await run([message(['bob@implicit.test'])], emptyTable(), p.port);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'implicit.test', ip: '127.0.0.1' });
    expect(p.messages).toHaveLength(1);
  });

  it('bounces null MX and NXDOMAIN, defers SERVFAIL, and delivers the rest of the message', async () => {
    const p = await peer();
    const { report } = await run([message(['a@nullmx.test', 'b@missing.test', 'c@broken.test', 'd@example.test'])], emptyTable(), p.port);
    expect(report.recipients.map((r) => [r.status, r.reason?.split(' ')[0] ?? null])).toEqual([
      ['bounced', '5.1.10'],
      ['bounced', '5.1.2'],
      ['deferred', '4.4.3'],
      ['delivered', null],
    ]);
    expect(p.messages.map((m) => m.to)).toEqual([['d@example.test']]);
  });

  it('PREFER_V6 tries ::1 first and falls back to 127.0.0.1 when nothing listens there; REQUIRE_V4 never tries IPv6', async () => {
    const p = await peer(); // listens on 127.0.0.1 only
    const prefer = await run([message(['bob@dual.test'])], table({ destination: 'dual.test', ipSortPref: 'PREFER_V6' }), p.port);
    expect(prefer.report.recipients[0]).toMatchObject({ status: 'delivered', ip: '127.0.0.1', attempts: 2 });
    expect(prefer.log.lines.some((l) => l.includes('IP: ::1 '))).toBe(true);
    const require4 = await run([message(['bob@dual.test'])], table({ destination: 'dual.test', ipSortPref: 'REQUIRE_V4' }), p.port);
    expect(require4.report.recipients[0]).toMatchObject({ status: 'delivered', ip: '127.0.0.1', attempts: 1 });
    expect(require4.log.lines.some((l) => l.includes('::1'))).toBe(false);
  });

  it('REQUIRE_V4 asks DNS for A records only, REQUIRE_V6 for AAAA only (the other family is never looked up)', async () => {
    const p = await peer();
    for (const [pref, asked, never] of [['REQUIRE_V4', 'A', 'AAAA'], ['REQUIRE_V6', 'AAAA', 'A']] as const) {
      const before = dns.queries.length;
      await run([message(['bob@dual.test'])], table({ destination: 'dual.test', ipSortPref: pref }), p.port);
      const queries = dns.queries.slice(before);
      expect(queries).toContain(`${asked} mx.dual.test`);
      expect(queries).not.toContain(`${never} mx.dual.test`);
    }
  });

  it('REQUIRE_V4 with only an AAAA record defers with 4.4.4 and connects nowhere', async () => {
    const p = await peer();
    const { report } = await run([message(['bob@v6only.test'])], table({ destination: 'v6only.test', ipSortPref: 'REQUIRE_V4' }), p.port);
    expect(report.recipients[0]?.status).toBe('deferred');
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.4 No usable address for v6only\.test: v6only\.test has no IPv4 address/);
    expect(p.connections).toBe(0);
  });

  it('REQUIRE_V4 / REQUIRE_V6 with MX hosts of the other family only defer with 4.4.4, as without MX (anchors §11 C.17), and connect nowhere', async () => {
    const p = await peer();
    for (const [domain, pref, family] of [['v6mx.test', 'REQUIRE_V4', 'IPv4'], ['v4mx.test', 'REQUIRE_V6', 'IPv6']] as const) {
      const { report, log } = await run([message([`bob@${domain}`])], table({ destination: domain, ipSortPref: pref }), p.port);
      expect(report.recipients[0]).toMatchObject({ status: 'deferred', attempts: 0, mxHost: null });
      expect(report.recipients[0]?.reason).toBe(`4.4.4 No usable address for ${domain}: mx.${domain} has no ${family} address (${pref})`);
      expect(log.lines.some((l) => l.includes(`Delayed: MID`) && l.includes('4.4.4 No usable address'))).toBe(true);
    }
    expect(p.connections).toBe(0);
  });

  it('sends an IP-literal recipient to that address under its bracketed row', async () => {
    const p = await peer();
    const t = table({ destination: '[127.0.0.1]', tls: 'required' });
    const { report } = await run([message(['postmaster@[127.0.0.1]'])], t, p.port);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', row: '[127.0.0.1]', mxHost: null, ip: '127.0.0.1', tls: { mode: 'required', negotiated: true } });
    expect(p.messages[0]?.secure).toBe(true);
  });
});

describe('SIGTERM during a connection set-up', () => {
  it('abandons a connection still waiting for the greeting at once: no transaction had started (docs/delivery.md "Shutdown")', async () => {
    const silent = await startHostileServer(async (conn) => {
      await conn.readLine(); // never greets
    });
    try {
      const abort = new AbortController();
      // A greeting time-out far beyond the test's own time-out: only the abort can end this run in time.
      const running = run([message(['bob@example.test'])], emptyTable(), silent.port, {
        timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 600_000, commandMs: 600_000, tlsMs: 600_000 },
        signal: abort.signal,
      });
      await expect.poll(() => silent.connections.length, { timeout: 10_000 }).toBe(1);
      abort.abort();
      const { report, log } = await running;
      expect(report.recipients[0]).toMatchObject({ status: 'deferred', attempts: 0 });
      expect(report.recipients[0]?.reason).toMatch(/^4\.3\.0 Delivery interrupted before this recipient was attempted/);
      expect(log.lines.some((l) => l.includes('Connection Error'))).toBe(false);
    } finally {
      await silent.close();
    }
  }, 20_000);
});

describe('hostile servers', () => {
  it('a silent server times out (4.4.2) and the destination is deferred; nothing is reported delivered', async () => {
    const silent = await startHostileServer(async (conn) => {
      await conn.readLine(); // never greets
    });
    try {
      const { report, log } = await run([message(['bob@example.test'])], emptyTable(), silent.port, {
        timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 400, commandMs: 400, tlsMs: 400 },
      });
      expect(report.recipients[0]?.status).toBe('deferred');
      expect(report.recipients[0]?.reason).toMatch(/^4\.4\.[02] .*\(mx\.example\.test \[127\.0\.0\.1\]\)$/);
      expect(log.lines.some((l) => /Connection Error: DCID: 1 IP: 127\.0\.0\.1 /.test(l))).toBe(true);
    } finally {
      await silent.close();
    }
  });

  it('a server that drops the connection in the middle of DATA leaves the recipients deferred, not delivered', async () => {
    const dropping = await startPlainMx(async () => 'drop', true);
    try {
      const { report, log } = await run([message(['a@example.test', 'b@example.test'])], emptyTable(), dropping.port);
      expect(report.recipients.map((r) => r.status)).toEqual(['deferred', 'deferred']);
      expect(report.summary.delivered).toBe(0);
      expect(log.lines.some((l) => l.includes('Message done'))).toBe(false);
      expect(log.lines.filter((l) => /Delayed: DCID 1 MID 1 to RID [01] - /.test(l))).toHaveLength(2);
    } finally {
      await dropping.close();
    }
  });
});

describe('replies per recipient', () => {
  it.each([
    ['without PIPELINING', '250 mx'],
    ['with PIPELINING', '250-mx\r\n250 PIPELINING'],
  ])('a 2xx reply to DATA %s is a protocol error: no data sent, deferred 4.5.0 with a clear reason', async (_, ehlo) => {
    const server = await startHostileServer(async (conn) => {
      conn.write('220 mx ESMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        if (line.startsWith('EHLO')) conn.write(`${ehlo}\r\n`);
        else if (line === 'QUIT') {
          conn.write('221 bye\r\n');
          conn.close();
          return;
        } else conn.write(line === 'DATA' ? '250 2.0.0 ok\r\n' : '250 ok\r\n');
      }
    });
    try {
      const { report, log } = await run([message(['a@example.test', 'b@example.test'])], emptyTable(), server.port);
      expect(report.recipients.map((r) => r.status)).toEqual(['deferred', 'deferred']);
      for (const r of report.recipients) {
        expect(r.reason).toMatch(/^4\.5\.0 .*DATA.*250.*354/);
        expect(r.reply?.code).toBe(250);
      }
      const delayed = log.lines.filter((l) => /Delayed: DCID 1 MID 1 to RID [01] - /.test(l));
      expect(delayed).toHaveLength(2);
      for (const l of delayed) expect(l).toMatch(/ - 4\.5\.0 /);
      expect(log.lines.join('\n')).not.toContain('Temporary failure');
      // The message body was never written: the server is not in the data phase.
      expect(server.connections.map((c) => c.clearText).join('')).not.toContain('Subject:');
    } finally {
      await server.close();
    }
  });

  it('bounces a 550 recipient, defers a 451 one, delivers the others, and logs each', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid, rcptReply: (a) => (a.startsWith('gone') ? 550 : a.startsWith('later') ? 451 : 250) });
    const { report, log } = await run([message(['gone@example.test', 'later@example.test', 'ok@example.test'])], emptyTable(), p.port);
    expect(report.recipients.map((r) => [r.status, r.reply?.code])).toEqual([
      ['bounced', 550],
      ['deferred', 451],
      ['delivered', 250],
    ]);
    expect(p.messages.map((m) => m.to)).toEqual([['ok@example.test']]);
    expect(log.lines.some((l) => /Bounced: DCID \d+ MID 1 to RID 0 - .*'550'/.test(l))).toBe(true);
    expect(log.lines.some((l) => /Delayed: DCID \d+ MID 1 to RID 1 - .*'451'/.test(l))).toBe(true);
    expect(log.lines.some((l) => /Message done DCID \d+ MID 1 to RID \[2\]/.test(l))).toBe(true);
  });
});

describe('limits, checked at the server', () => {
  it('never opens more than the row allows at once, and reuses connections up to messages per connection', async () => {
    const p = await peer();
    const t = table({ destination: 'example.test', maxConcurrency: 2, maxMessagesPerConnection: 3 });
    const messages = Array.from({ length: 12 }, (_, i) => message([`u${i}@example.test`], 'alice@sender.test', `m${i}.eml`));
    const { report } = await run(messages, t, p.port);
    expect(report.summary).toEqual({ delivered: 12, deferred: 0, bounced: 0 });
    expect(p.maxConcurrent).toBeLessThanOrEqual(2);
    const perSession = new Map<string, number>();
    for (const m of p.messages) perSession.set(m.sessionId, (perSession.get(m.sessionId) ?? 0) + 1);
    // At most 3 per connection, and connections were reused (not one per message).
    expect(Math.max(...perSession.values())).toBe(3);
    expect(p.connections).toBe(perSession.size);
    expect(p.connections).toBeLessThanOrEqual(6);
  });

  it('per virtual gateway: each source address has its own count; system-wide: one count for all', async () => {
    const p = await peer();
    const messages = Array.from({ length: 6 }, (_, i) => message([`u${i}@example.test`]));
    const sources = ['127.0.0.1', '127.0.0.2'];
    const row: Partial<DestEntry> = { destination: 'example.test', maxConcurrency: 1, maxMessagesPerConnection: 1, limitType: 'domain' };
    const vg = table({ ...row, limitApply: 'vg' });
    const perGateway = await run(messages, vg, p.port, { sources });
    expect(perGateway.report.summary.delivered).toBe(6);
    expect(Object.fromEntries(perGateway.peakConnections)).toEqual({ 'example.test via 127.0.0.1': 1, 'example.test via 127.0.0.2': 1 });
    expect(perGateway.log.lines.some((l) => / interface 127\.0\.0\.2 address 127\.0\.0\.1 /.test(l))).toBe(true);
    expect(p.maxConcurrent).toBeLessThanOrEqual(2);
    const systemWide = await run(messages, table({ ...row, limitApply: 'system' }), p.port, { sources });
    expect(Object.fromEntries(systemWide.peakConnections)).toEqual({ 'example.test': 1 });
  });

  it('an IPv4 --source is not used for an IPv6 address: that attempt goes out from the default interface (Postfix smtp_bind_address)', async () => {
    const p = await peer();
    const { report, log } = await run([message(['bob@dual.test'])], emptyTable(), p.port, { sources: ['127.0.0.1'] });
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', ip: '127.0.0.1' });
    const v6 = log.lines.find((l) => / IP: ::1 /.test(l));
    // Nothing listens on ::1: the attempt was really made (refused), not impossible (EINVAL from binding a v4 address).
    expect(v6).toMatch(/ECONNREFUSED.* interface: default /);
    expect(log.lines.some((l) => / interface 127\.0\.0\.1 address 127\.0\.0\.1 /.test(l))).toBe(true);
  });

  it('the system-wide cap (--max-connections) holds across destinations', async () => {
    const p = await peer();
    const messages = ['a@example.test', 'b@implicit.test', 'c@fallback.test', 'd@example.test', 'e@implicit.test'].map((to) => message([to]));
    const t = emptyTable();
    t.defaults.maxMessagesPerConnection = 1;
    const { report, peakConnections } = await run(messages, t, p.port, { maxConnections: 1 });
    expect(report.summary.delivered).toBe(5);
    expect(p.maxConcurrent).toBe(1);
    expect(peakConnections.get('*')).toBe(1);
  });

  it('Default limits apply to each unlisted domain on its own', async () => {
    const p = await peer();
    const t = emptyTable();
    t.defaults.maxConcurrency = 1;
    const messages = [message(['a@example.test']), message(['b@example.test']), message(['c@implicit.test']), message(['d@implicit.test'])];
    const { report, peakConnections } = await run(messages, t, p.port);
    expect(report.summary.delivered).toBe(4);
    expect(peakConnections.get('example.test')).toBe(1);
    expect(peakConnections.get('implicit.test')).toBe(1);
  });

  it('defers recipients beyond N per M minutes, and admits again once the injected clock moves on', async () => {
    const p = await peer();
    const t = table({ destination: 'example.test', recipientLimit: { limit: 2, minutes: 5 }, limitType: 'domain', limitApply: 'system' });
    let now = 1_000_000;
    const windows = new RecipientWindows(() => now);
    const first = await run([message(['a@example.test', 'b@example.test', 'c@example.test'])], t, p.port, { now: () => now, windows });
    expect(first.report.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered', 'deferred']);
    expect(first.report.recipients[2]?.reason).toBe('4.4.5 Recipient limit of 2 per 5 minutes reached for example.test; try again later');
    expect(first.log.lines.some((l) => l.includes('throttled by recipient limit'))).toBe(true);
    // Four minutes on: the window is still full, and no connection is opened for nothing.
    now += 4 * 60_000;
    const connections = p.connections;
    const second = await run([message(['c@example.test'])], t, p.port, { now: () => now, windows });
    expect(second.report.recipients[0]?.status).toBe('deferred');
    expect(p.connections).toBe(connections);
    // Past five minutes: admitted again.
    now += 60_001;
    const third = await run([message(['c@example.test'])], t, p.port, { now: () => now, windows });
    expect(third.report.recipients[0]?.status).toBe('delivered');
    expect(p.messages.flatMap((m) => m.to)).toEqual(['a@example.test', 'b@example.test', 'c@example.test']);
  });
});

describe('bounce verification and alerts', () => {
  it('tags the envelope sender when the row says so, and the server sees the tag', async () => {
    const p = await peer();
    const key = Buffer.alloc(32, 9);
    const now = Date.now();
    await run([message(['bob@example.test'])], table({ destination: 'example.test', bounceVerification: true }), p.port, { batvKey: async () => key, now: () => now });
    expect(p.messages[0]?.from).toMatch(/^prvs=0\d{3}[0-9A-F]{6}=alice@sender\.test$/);
    expect(batvValid(p.messages[0]?.from ?? '', key, new Date(now))).toBe(true);
  });

  it('raises the SETUP alert when a Required-TLS destination fails TLS', async () => {
    const p = await peer({ starttls: 'disabled' });
    const home = await mkdtemp(path.join(os.tmpdir(), 'alert-home-'));
    try {
      const t = table({ destination: 'example.test', tls: 'required' });
      t.globals.alertOnRequiredTlsFailure = true;
      const stderr: string[] = [];
      const alerts = TlsAlerts.forHome(home, (l) => stderr.push(l));
      const { report } = await run([message(['bob@example.test'])], t, p.port, { alerts });
      await alerts.flush();
      expect(report.recipients[0]?.reason).toMatch(/^4\.7\.4 /);
      expect(p.mailFroms).toEqual([]);
      expect(stderr).toHaveLength(1);
      expect(await readFile(path.join(home, 'alerts.log'), 'utf8')).toMatch(/ Warning: System: TLS negotiation failed for example\.test, /);
      // Off in SETUP: no alert.
      t.globals.alertOnRequiredTlsFailure = false;
      const quiet: string[] = [];
      await run([message(['bob@example.test'])], t, p.port, { alerts: TlsAlerts.forHome(home, (l) => quiet.push(l)) });
      expect(quiet).toEqual([]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('a session lost before any reply to MAIL FROM (two MX hosts on loopback)', () => {
  /** Greets and answers EHLO (with PIPELINING or not), then hands the connection to `then`. */
  const afterEhlo =
    (pipelining: boolean, then: (conn: ScriptedConnection) => Promise<void>) =>
    async (conn: ScriptedConnection): Promise<void> => {
      conn.write('220 mx1.twomx.test ESMTP\r\n');
      await conn.readLine();
      conn.write(pipelining ? '250-mx1.twomx.test\r\n250 PIPELINING\r\n' : '250 mx1.twomx.test\r\n');
      await then(conn);
    };
  const firstMxes: HostileServer[] = [];
  afterEach(async () => {
    await Promise.all(firstMxes.splice(0).map((s) => s.close()));
  });
  /** The first MX on 127.0.0.2, at the port of the second (the peer on 127.0.0.1); closed after the test. */
  async function firstMx(port: number, script: (conn: ScriptedConnection) => Promise<void>): Promise<HostileServer> {
    const server = await startHostileServer(script, { host: '127.0.0.2', port });
    firstMxes.push(server);
    return server;
  }

  it.each([
    ['drops the connection right after EHLO', true, async (conn: ScriptedConnection) => conn.close()],
    ['resets the connection when MAIL FROM arrives', true, async (conn: ScriptedConnection) => void (await conn.readLine(), conn.destroy())],
    [
      'answers MAIL FROM with 421 (with PIPELINING)',
      true,
      async (conn: ScriptedConnection) => void (await conn.readLine(), conn.write('421 4.3.2 Service shutting down\r\n'), conn.close()),
    ],
    [
      'answers MAIL FROM with 421 (without PIPELINING)',
      false,
      async (conn: ScriptedConnection) => void (await conn.readLine(), conn.write('421 4.3.2 Service shutting down\r\n'), conn.close()),
    ],
  ])('the first MX %s: delivered via the second, attempts 2, both DCIDs in the log', async (_, pipelining, then) => {
    const p = await peer({ starttls: 'disabled' });
    const mx1 = await firstMx(p.port, afterEhlo(pipelining, then));
    const { report, log } = await run([message(['bob@twomx.test', 'carol@twomx.test'])], emptyTable(), p.port);
    expect(report.recipients.map((r) => [r.status, r.mxHost, r.ip, r.attempts])).toEqual([
      ['delivered', 'mx2.twomx.test', '127.0.0.1', 2],
      ['delivered', 'mx2.twomx.test', '127.0.0.1', 2],
    ]);
    expect(mx1.connections).toHaveLength(1);
    expect(p.messages.map((m) => m.to)).toEqual([['bob@twomx.test', 'carol@twomx.test']]);
    expect(log.lines).toContain('Info: New SMTP DCID 1 interface 127.0.0.1 address 127.0.0.2 port ' + p.port);
    expect(log.lines.some((l) => /^Info: Connection Error: DCID: 1 IP: 127\.0\.0\.2 details: .* interface: default reason: /.test(l))).toBe(true);
    expect(log.lines).toContain('Info: New SMTP DCID 2 interface 127.0.0.1 address 127.0.0.1 port ' + p.port);
    expect(log.lines.some((l) => l.startsWith('Info: Message done DCID 2 MID 1 to RID [0, 1] '))).toBe(true);
    expect(log.lines.some((l) => l.includes('Delayed'))).toBe(false);
  });

  it('with PIPELINING and several messages, the one reserved to follow on the lost connection is not lost; the row limits hold', async () => {
    const p = await peer({ starttls: 'disabled' });
    const mx1 = await firstMx(p.port, afterEhlo(true, async (conn) => void (await conn.readLine(), conn.destroy())));
    const t = table({ destination: 'twomx.test', maxConcurrency: 1, maxMessagesPerConnection: 2 });
    const messages = Array.from({ length: 5 }, (_, i) => message([`u${i}@twomx.test`], 'alice@sender.test', `m${i}.eml`));
    const { report, peakConnections } = await run(messages, t, p.port);
    expect(report.summary).toEqual({ delivered: 5, deferred: 0, bounced: 0 });
    expect(p.messages.map((m) => m.to[0]).sort()).toEqual(['u0@twomx.test', 'u1@twomx.test', 'u2@twomx.test', 'u3@twomx.test', 'u4@twomx.test']);
    expect(peakConnections.get('twomx.test')).toBe(1);
    expect(p.maxConcurrent).toBe(1);
    const perSession = new Map<string, number>();
    for (const m of p.messages) perSession.set(m.sessionId, (perSession.get(m.sessionId) ?? 0) + 1);
    expect(Math.max(...perSession.values())).toBe(2);
    // Every connection to the first MX lost its first message, and only that one went on to the second.
    expect(report.recipients.filter((r) => r.attempts === 2)).toHaveLength(mx1.connections.length);
  });

  it('the only MX drops the session: deferred 4.4.2 as before, one attempt', async () => {
    const p = await peer({ starttls: 'disabled' });
    const mx1 = await firstMx(p.port, afterEhlo(true, async (conn) => void (await conn.readLine(), conn.destroy())));
    const { report, log } = await run([message(['bob@onemx.test'])], emptyTable(), p.port);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', mxHost: 'mx1.twomx.test', ip: '127.0.0.2', attempts: 1 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.2 /);
    expect(log.lines.filter((l) => /^Info: Delayed: (DCID 1 )?MID 1 to RID 0 - 4\.4\.2 /.test(l))).toHaveLength(1);
    expect(p.connections).toBe(0);
    expect(mx1.connections).toHaveLength(1);
  });

  it('a drop after MAIL FROM was accepted is deferred, and the second MX is not tried (no duplicate possible)', async () => {
    const p = await peer({ starttls: 'disabled' });
    const mx1 = await firstMx(
      p.port,
      afterEhlo(false, async (conn) => {
        for (;;) {
          const line = await conn.readLine();
          if (line === null) return;
          if (line === 'DATA') {
            conn.write('354 go ahead\r\n');
            await conn.readData();
            conn.destroy();
            return;
          }
          conn.write('250 2.0.0 Ok\r\n');
        }
      }),
    );
    const { report, log } = await run([message(['bob@twomx.test'])], emptyTable(), p.port);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', ip: '127.0.0.2', attempts: 1 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.2 .*the reply to the final dot$/);
    expect(mx1.connections).toHaveLength(1);
    // The message data reached the first MX: only a reply to the final dot was missing.
    expect(mx1.connections[0]?.clearText).toContain('Subject: m.eml');
    expect(p.connections).toBe(0);
    expect(log.lines.some((l) => l.includes('Connection Error'))).toBe(false);
  });
});
