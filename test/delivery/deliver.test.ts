// The orchestrator against the Connector contract (types.ts): a scripted connection layer stands in for
// the network so that routing, fallback, limits, outcomes and mail-log lines are checked on their own.
// The same behaviours end to end over real sockets are in deliver-e2e.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, type DeliverOptions, type InputMessage } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { batvValid } from '../../src/delivery/batv.js';
import type { AlertSink } from '../../src/delivery/alerts.js';
import { DEFAULT_TIMEOUTS, type ConnectOptions, type Connector, type DeliveryConnection, type MessageResult, type OutboundMessage, type SmtpReply, type TlsInfo } from '../../src/delivery/types.js';
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    'ok.test': { mx: [{ preference: 10, exchange: 'mx.ok.test' }] },
    'mx.ok.test': { a: ['10.0.0.1'] },
    'fallback.test': { mx: [{ preference: 10, exchange: 'down.fallback.test' }, { preference: 20, exchange: 'up.fallback.test' }] },
    'down.fallback.test': { a: ['10.0.0.66'], aaaa: ['fd00::66'] },
    'up.fallback.test': { a: ['10.0.0.2'] },
    'tls.test': { mx: [{ preference: 10, exchange: 'mx1.tls.test' }, { preference: 20, exchange: 'mx2.tls.test' }] },
    'mx1.tls.test': { a: ['10.0.0.70'] },
    'mx2.tls.test': { a: ['10.0.0.71'] },
    'dead.test': { mx: [{ preference: 10, exchange: 'mx.dead.test' }] },
    'tlsbroken.test': { mx: [{ preference: 10, exchange: 'mx.tlsbroken.test' }] },
    'mx.tlsbroken.test': { a: ['10.0.0.72'] },
    'mx.dead.test': { a: ['10.0.0.66'] },
    'nullmx.test': { mx: [{ preference: 0, exchange: '.' }] },
    'broken.test': { servfail: true },
    // No MX (implicit MX), and the address lookups of the domain itself fail temporarily.
    'sickimplicit.test': { servfailTypes: ['A', 'AAAA'] },
    'dual.test': { a: ['10.0.0.3'], aaaa: ['fd00::3'] },
    'many.test': { mx: [{ preference: 10, exchange: 'a.many.test' }, { preference: 10, exchange: 'b.many.test' }] },
    'a.many.test': { a: ['10.0.1.1'] },
    'b.many.test': { a: ['10.0.1.2'] },
    // MX hosts without an address: gone.* names do not exist (NXDOMAIN), bare.* names have no A/AAAA (NODATA).
    'noaddr.test': { mx: [{ preference: 10, exchange: 'gone.noaddr.test' }, { preference: 20, exchange: 'bare.noaddr.test' }] },
    'bare.noaddr.test': {},
    'tempaddr.test': { mx: [{ preference: 10, exchange: 'gone.tempaddr.test' }, { preference: 20, exchange: 'sick.tempaddr.test' }] },
    'sick.tempaddr.test': { servfail: true },
    'partial.test': { mx: [{ preference: 10, exchange: 'gone.partial.test' }, { preference: 20, exchange: 'mx.partial.test' }] },
    'mx.partial.test': { a: ['10.0.0.4'] },
    'v6mx.test': { mx: [{ preference: 10, exchange: 'mx.v6mx.test' }] },
    'mx.v6mx.test': { aaaa: ['fd00::5'] },
    // Sessions lost after a good set-up (ScriptedNetwork: .80 drops before any reply to MAIL FROM, .81
    // answers MAIL FROM with 421, .82 drops after accepting MAIL), with a working second MX or none.
    'drops.test': { mx: [{ preference: 10, exchange: 'mx1.drops.test' }, { preference: 20, exchange: 'mx2.drops.test' }] },
    'mx1.drops.test': { a: ['10.0.0.80'] },
    'mx2.drops.test': { a: ['10.0.0.2'] },
    'closes.test': { mx: [{ preference: 10, exchange: 'mx1.closes.test' }, { preference: 20, exchange: 'mx2.closes.test' }] },
    'mx1.closes.test': { a: ['10.0.0.81'] },
    'mx2.closes.test': { a: ['10.0.0.2'] },
    'latedrop.test': { mx: [{ preference: 10, exchange: 'mx1.latedrop.test' }, { preference: 20, exchange: 'mx2.latedrop.test' }] },
    'mx1.latedrop.test': { a: ['10.0.0.82'] },
    'mx2.latedrop.test': { a: ['10.0.0.2'] },
    'onlydrop.test': { mx: [{ preference: 10, exchange: 'mx.onlydrop.test' }] },
    'mx.onlydrop.test': { a: ['10.0.0.80'] },
    'droptls.test': { mx: [{ preference: 10, exchange: 'mx1.droptls.test' }, { preference: 20, exchange: 'mx2.droptls.test' }] },
    'mx1.droptls.test': { a: ['10.0.0.70'] },
    'mx2.droptls.test': { a: ['10.0.0.80'] },
    'dropdead.test': { mx: [{ preference: 10, exchange: 'mx1.dropdead.test' }, { preference: 20, exchange: 'mx2.dropdead.test' }] },
    'mx1.dropdead.test': { a: ['10.0.0.80'] },
    'mx2.dropdead.test': { a: ['10.0.0.66'] },
  });
});
afterAll(() => dns.close());

/**
 * How the scripted servers that lose a session after a good set-up answer a message, as the real
 * connection layer reports it (connection.ts): .80 closes before any reply to MAIL FROM, .81 answers MAIL
 * FROM with 421 (RFC 5321 §3.8, closing the channel), .82 accepts MAIL and RCPT, then drops in DATA.
 */
function lostSession(ip: string, message: OutboundMessage): MessageResult | null {
  const deferred = (reason: string | undefined, reply?: SmtpReply) =>
    message.recipients.map((r) => ({ ...r, status: 'deferred' as const, reply, reason }));
  if (ip.endsWith('.80')) return { mid: message.mid, recipients: deferred('4.4.2 connection closed by the server while waiting for the reply to MAIL FROM') };
  if (ip.endsWith('.81')) {
    const reply = { code: 421, enhanced: '4.3.2', text: 'Service shutting down, closing transmission channel' };
    return { mid: message.mid, recipients: deferred(undefined, reply), mailReply: reply };
  }
  if (ip.endsWith('.82'))
    return {
      mid: message.mid,
      recipients: deferred('4.4.2 connection closed by the server while waiting for the reply to the final dot'),
      mailReply: { code: 250, enhanced: '2.1.0', text: 'Ok' },
      dataReply: { code: 354, text: 'go ahead' },
    };
  return null;
}

/**
 * A scripted connection layer: addresses ending in .66/::66 refuse; .70/.71 fail STARTTLS; .80-.82 lose
 * the session (lostSession); others accept.
 */
class ScriptedNetwork {
  readonly connects: ConnectOptions[] = [];
  readonly sent: { ip: string; dcid: number; message: OutboundMessage }[] = [];
  /** Messages whose session a server lost (lostSession), by address. */
  readonly lost: { ip: string; dcid: number; message: OutboundMessage }[] = [];
  readonly open = new Map<string, number>();
  readonly peak = new Map<string, number>();
  perConnection: number[] = [];
  /** Resolves when a send may finish (lets tests hold connections open). */
  gate: Promise<void> = Promise.resolve();

  connector: Connector = async (options) => {
    this.connects.push(options);
    const { ip } = options.target;
    await Promise.resolve();
    const tls: TlsInfo = { mode: options.policy.mode, offered: true, attempted: false, negotiated: false };
    if (/(\.|:)66$/.test(ip)) return { ok: false, stage: 'connect', reason: `connect ECONNREFUSED ${ip}:25`, tls };
    if (/\.7[01]$/.test(ip) && options.policy.mode.startsWith('required'))
      return { ok: false, stage: 'tls', reason: 'STARTTLS was not offered', tls: { ...tls, offered: false } };
    options.onEvent?.({ type: 'connected', dcid: options.dcid, localAddress: '10.9.9.9', ip, port: options.target.port });
    // .72 accepts the connection, then its STARTTLS fails (a live server that cannot take mail under Required).
    if (/\.72$/.test(ip) && options.policy.mode.startsWith('required'))
      return { ok: false, stage: 'tls', reason: 'TLS handshake failed: wrong version number', tls: { ...tls, offered: true, attempted: true } };
    const n = (this.open.get(ip) ?? 0) + 1;
    this.open.set(ip, n);
    this.peak.set(ip, Math.max(this.peak.get(ip) ?? 0, n));
    const index = this.perConnection.push(0) - 1;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const net = this;
    let usable = true;
    let sentCount = 0;
    const conn: DeliveryConnection = {
      target: options.target,
      tls,
      capabilities: new Map(),
      localAddress: '10.9.9.9',
      get messagesSent() {
        return sentCount;
      },
      get usable() {
        return usable;
      },
      async send(message): Promise<MessageResult> {
        await net.gate;
        const lost = lostSession(ip, message);
        if (lost) {
          net.lost.push({ ip, dcid: options.dcid, message });
          await conn.close();
          return lost;
        }
        net.sent.push({ ip, dcid: options.dcid, message });
        sentCount++;
        net.perConnection[index] = (net.perConnection[index] ?? 0) + 1;
        return {
          mid: message.mid,
          recipients: message.recipients.map((r) =>
            r.address.startsWith('reject')
              ? { ...r, status: 'bounced' as const, reply: { code: 550, enhanced: '5.1.1', text: 'no such user' } }
              : r.address.startsWith('tempfail')
                ? { ...r, status: 'deferred' as const, reply: { code: 451, enhanced: '4.3.0', text: 'try again later' } }
                : { ...r, status: 'delivered' as const, reply: { code: 250, enhanced: '2.0.0', text: 'queued' } },
          ),
          finalReply: { code: 250, enhanced: '2.0.0', text: 'queued' },
        };
      },
      async close() {
        if (!usable) return;
        usable = false;
        net.open.set(ip, (net.open.get(ip) ?? 1) - 1);
        options.onEvent?.({ type: 'closed', dcid: options.dcid });
      },
      destroy() {
        void this.close();
      },
    };
    return { ok: true, connection: conn };
  };
}

function tableWith(...entries: Partial<DestEntry>[]): DestTable {
  const t = emptyTable();
  for (const e of entries) t.entries.set(e.destination as string, { ...blankEntry(e.destination as string), ...e });
  return t;
}

function run(messages: InputMessage[], table: DestTable, net: ScriptedNetwork, extra: Partial<DeliverOptions> = {}) {
  const log = new MemoryLog();
  const result = deliver(messages, {
    table,
    connector: net.connector,
    mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 }), random: () => 0 }),
    log,
    port: 25,
    helo: 'client.test',
    timeouts: DEFAULT_TIMEOUTS,
    ...extra,
  });
  return { log, result };
}

const msg = (to: string[], name = 'm.eml', from = 'sender@origin.test'): InputMessage => ({ name, from, to, content: Buffer.from('Subject: t\r\n\r\nhi\r\n') });

describe('deliver orchestration', () => {
  it('delivers, bounces a 550 recipient and defers a 451 one, with report and mail-log lines', async () => {
    const net = new ScriptedNetwork();
    const { log, result } = run([msg(['a@ok.test', 'reject@ok.test', 'tempfail@ok.test'])], emptyTable(), net);
    const { report } = await result;
    expect(report.summary).toEqual({ delivered: 1, deferred: 1, bounced: 1 });
    expect(report.recipients.map((r) => [r.address, r.status, r.mxHost, r.ip, r.row, r.attempts])).toEqual([
      ['a@ok.test', 'delivered', 'mx.ok.test', '10.0.0.1', '(Default)', 1],
      ['reject@ok.test', 'bounced', 'mx.ok.test', '10.0.0.1', '(Default)', 1],
      ['tempfail@ok.test', 'deferred', 'mx.ok.test', '10.0.0.1', '(Default)', 1],
    ]);
    expect(report.recipients[1]?.reply).toEqual({ code: 550, enhanced: '5.1.1', text: 'no such user' });
    expect(log.lines).toEqual([
      'Info: New SMTP DCID 1 interface 10.9.9.9 address 10.0.0.1 port 25',
      'Info: Delivery start DCID 1 MID 1 to RID [0, 1, 2]',
      "Info: Bounced: DCID 1 MID 1 to RID 1 - 5.1.1 - Unknown address error ('550', ['5.1.1 no such user'])",
      "Info: Delayed: DCID 1 MID 1 to RID 2 - 4.3.0 - Temporary failure ('451', ['4.3.0 try again later'])",
      "Info: Message done DCID 1 MID 1 to RID [0] [('250', ['2.0.0 queued'])]",
      'Info: DCID 1 close',
    ]);
  });

  it('tries the next address and the next MX after a refused connection', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@fallback.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['fd00::66', '10.0.0.66', '10.0.0.2']);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'up.fallback.test', ip: '10.0.0.2', attempts: 3 });
    expect(log.lines.filter((l) => l.includes('Connection Error'))).toHaveLength(2);
  });

  it('defers every queued message of a destination when all its addresses fail', async () => {
    const net = new ScriptedNetwork();
    const { result } = run([msg(['a@dead.test']), msg(['b@dead.test'])], emptyTable(), net);
    const { report } = await result;
    expect(report.recipients.map((r) => r.status)).toEqual(['deferred', 'deferred']);
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.1 connect ECONNREFUSED .* \(mx\.dead\.test \[10\.0\.0\.66\]\)$/);
    expect(net.connects).toHaveLength(1);
  });

  it('makes one round of attempts to a destination whose server accepts connections but fails TLS, whatever its concurrency', async () => {
    // The other workers wait for the first attempt to end (slow start): they find the queue deferred and
    // open nothing, instead of each taking a message into a handshake that fails the same way.
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'tlsbroken.test', tls: 'required', maxConcurrency: 5, maxMessagesPerConnection: 1 });
    const { result } = run([1, 2, 3, 4, 5, 6].map((i) => msg([`u${i}@tlsbroken.test`])), table, net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.72']);
    expect(report.recipients.map((r) => r.status)).toEqual(Array(6).fill('deferred'));
    expect(report.recipients[5]?.reason).toMatch(/^4\.7\.\d TLS handshake failed: wrong version number/);
  });

  it('under Required TLS tries the next MX, then defers with 4.7.4, logs the TLS line, and alerts once', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'tls.test', tls: 'required' });
    table.globals.alertOnRequiredTlsFailure = true;
    const alerts: string[] = [];
    const sink: AlertSink = { requiredTlsFailed: (d, detail) => alerts.push(`${d}: ${detail}`), flush: async () => {} };
    const { result, log } = run([msg(['a@tls.test'])], table, net, { alerts: sink });
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.70', '10.0.0.71']);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', row: 'tls.test', attempts: 2, tls: { mode: 'required', negotiated: false } });
    expect(report.recipients[0]?.reason).toMatch(/^4\.7\.4 STARTTLS was not offered \(mx2\.tls\.test/);
    expect(log.lines).toContain('Info: DCID 1 IP 10.0.0.70 TLS was required but could not be successfully negotiated');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/^tls\.test: /);
  });

  it('bounces a null MX (5.1.10) and defers SERVFAIL (4.4.3) without connecting', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@nullmx.test', 'b@broken.test'])], emptyTable(), net);
    const { report } = await result;
    expect(report.recipients.map((r) => [r.status, r.reason?.slice(0, 6)])).toEqual([
      ['bounced', '5.1.10'],
      ['deferred', '4.4.3 '],
    ]);
    expect(net.connects).toHaveLength(0);
    expect(log.lines).toContain('Info: Bounced: MID 1 to RID 0 - 5.1.10 Domain nullmx.test does not accept mail (null MX, RFC 7505)');
  });

  it('defers with 4.4.3 (a DNS failure) a domain without MX whose own address lookups fail with SERVFAIL', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@sickimplicit.test'])], emptyTable(), net);
    const { report } = await result;
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', attempts: 0 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.3 .*sickimplicit\.test.*SERVFAIL/);
    expect(net.connects).toHaveLength(0);
    expect(log.lines.some((l) => /^Info: Delayed: MID 1 to RID 0 - 4\.4\.3 /.test(l))).toBe(true);
  });

  it('bounces (5.4.4) every recipient of a domain whose MX hosts have no address, defers (4.4.3) on a temporary failure, uses the hosts that have one', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@noaddr.test', 'b@noaddr.test', 'c@tempaddr.test', 'd@partial.test'])], emptyTable(), net);
    const { report } = await result;
    expect(report.recipients.map((r) => [r.address, r.status, r.mxHost, r.ip])).toEqual([
      ['a@noaddr.test', 'bounced', null, null],
      ['b@noaddr.test', 'bounced', null, null],
      ['c@tempaddr.test', 'deferred', null, null],
      ['d@partial.test', 'delivered', 'mx.partial.test', '10.0.0.4'],
    ]);
    const noaddr =
      '5.4.4 No MX host of noaddr.test has an address. Name service error for name=gone.noaddr.test type=A/AAAA: Host not found (NXDOMAIN); ' +
      'name=bare.noaddr.test type=A/AAAA: Host found but no data record of requested type (NODATA)';
    expect(report.recipients[0]?.reason).toBe(noaddr);
    expect(report.recipients[2]?.reason).toBe(
      '4.4.3 No MX host of tempaddr.test has an address. Name service error for name=gone.tempaddr.test type=A/AAAA: Host not found (NXDOMAIN); ' +
        'name=sick.tempaddr.test type=A/AAAA: Host not found, try again (SERVFAIL)',
    );
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.4']);
    expect(log.lines).toContain(`Info: Bounced: MID 1 to RID 0 - ${noaddr}`);
    expect(log.lines).toContain(`Info: Bounced: MID 1 to RID 1 - ${noaddr}`);
    expect(log.lines.filter((l) => l.startsWith('Info: Delayed: MID 1 to RID 2 - 4.4.3 No MX host of tempaddr.test'))).toHaveLength(1);
  });

  it('under REQUIRE_V4 an MX host with only an IPv6 address is skipped and the recipient deferred 4.4.4 (reference §11); PREFER_V4 uses it', async () => {
    const net = new ScriptedNetwork();
    const { result } = run([msg(['a@v6mx.test'])], tableWith({ destination: 'v6mx.test', ipSortPref: 'REQUIRE_V4' }), net);
    const { report } = await result;
    expect(report.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(report.recipients[0]?.reason).toBe('4.4.4 No usable address for v6mx.test: mx.v6mx.test has no IPv4 address (REQUIRE_V4)');
    expect(net.connects).toHaveLength(0);
    const again = run([msg(['a@v6mx.test'])], tableWith({ destination: 'v6mx.test', ipSortPref: 'PREFER_V4' }), net);
    expect((await again.result).report.recipients[0]).toMatchObject({ status: 'delivered', ip: 'fd00::5' });
  });

  it('applies the IP sort preference of the row and sends IP literals to the address under their bracketed row', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'dual.test', ipSortPref: 'REQUIRE_V4' }, { destination: '[10.0.0.5]', tls: 'no' });
    const { result } = run([msg(['a@dual.test', 'b@[10.0.0.5]'])], table, net);
    const { report } = await result;
    expect(net.connects.map((c) => [c.target.ip, c.target.mxHost]).sort()).toEqual([
      ['10.0.0.3', 'dual.test'],
      ['10.0.0.5', ''],
    ]);
    expect(report.recipients[1]).toMatchObject({ status: 'delivered', row: '[10.0.0.5]', mxHost: null, ip: '10.0.0.5' });
  });

  it('keeps to the concurrency limit and reuses connections up to messages per connection', async () => {
    const net = new ScriptedNetwork();
    let open!: () => void;
    net.gate = new Promise((r) => (open = r));
    const table = tableWith({ destination: 'ok.test', maxConcurrency: 2, maxMessagesPerConnection: 3 });
    const messages = Array.from({ length: 10 }, (_, i) => msg([`u${i}@ok.test`], `m${i}.eml`));
    const { result } = run(messages, table, net);
    await expect.poll(() => net.open.get('10.0.0.1'), { timeout: 10_000 }).toBe(2);
    open();
    const { report, peakConnections } = await result;
    expect(report.summary.delivered).toBe(10);
    expect(net.peak.get('10.0.0.1')).toBe(2);
    expect(peakConnections.get('ok.test')).toBe(2);
    expect(Math.max(...net.perConnection)).toBe(3);
    expect(net.perConnection.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('opens no more connections than the queue needs: 100 messages at 50 per connection take two', async () => {
    // The second connection is slow to open, so the first runs ahead: it must not open a third when the
    // second can carry what is left.
    const net = new ScriptedNetwork();
    let calls = 0;
    const slowSecond: Connector = async (options) => {
      if (++calls === 2) await new Promise((r) => setTimeout(r, 30));
      return net.connector(options);
    };
    const table = tableWith({ destination: 'ok.test', maxConcurrency: 2, maxMessagesPerConnection: 50 });
    const messages = Array.from({ length: 100 }, (_, i) => msg([`u${i}@ok.test`], `m${i}.eml`));
    const { report } = await run(messages, table, net, { connector: slowSecond }).result;
    expect(report.summary.delivered).toBe(100);
    expect(net.perConnection).toEqual([50, 50]);
  });

  it('a job taken as its connection fills waits in the queue while that connection closes, for a connection with room', async () => {
    // The first connection fills (3 messages) while the second is still opening; closing it takes a while
    // (QUIT). The message the first worker had taken must go to the second connection, not to a third.
    const net = new ScriptedNetwork();
    let calls = 0;
    const slowSecondSlowClose: Connector = async (options) => {
      if (++calls === 2) await new Promise((r) => setTimeout(r, 30));
      const opened = await net.connector(options);
      if (opened.ok) {
        const close = opened.connection.close.bind(opened.connection);
        opened.connection.close = async () => {
          await new Promise((r) => setTimeout(r, 60));
          await close();
        };
      }
      return opened;
    };
    const table = tableWith({ destination: 'ok.test', maxConcurrency: 2, maxMessagesPerConnection: 3 });
    const messages = Array.from({ length: 6 }, (_, i) => msg([`u${i}@ok.test`], `m${i}.eml`));
    const { report } = await run(messages, table, net, { connector: slowSecondSlowClose }).result;
    expect(report.summary.delivered).toBe(6);
    expect(net.perConnection).toEqual([3, 3]);
  });

  it('per MX IP limits count each address separately', async () => {
    const net = new ScriptedNetwork();
    let open!: () => void;
    net.gate = new Promise((r) => (open = r));
    const table = tableWith({ destination: 'many.test', maxConcurrency: 1, maxMessagesPerConnection: 3, limitType: 'mxip', limitApply: 'system' });
    const { result } = run(Array.from({ length: 6 }, (_, i) => msg([`u${i}@many.test`])), table, net);
    // While every send is held, each of the two addresses has its own connection: the limit of 1 is per
    // address, not one for the domain.
    await expect.poll(() => [net.open.get('10.0.1.1'), net.open.get('10.0.1.2')], { timeout: 10_000 }).toEqual([1, 1]);
    open();
    const { peakConnections } = await result;
    expect(Math.max(...net.peak.values())).toBe(1);
    expect([...peakConnections.keys()].every((k) => k.startsWith('many.test 10.0.1.'))).toBe(true);
  });

  it('defers recipients beyond the recipient limit with a reason and a log line', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'ok.test', recipientLimit: { limit: 3, minutes: 10 }, limitType: 'domain', limitApply: 'system', maxConcurrency: 1 });
    const now = 1_700_000_000_000;
    const { result, log } = run([msg(['a@ok.test', 'b@ok.test']), msg(['c@ok.test', 'd@ok.test']), msg(['e@ok.test'])], table, net, { now: () => now });
    const { report } = await result;
    expect(report.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered', 'deferred', 'deferred']);
    expect(report.recipients[3]?.reason).toBe('4.4.5 Recipient limit of 3 per 10 minutes reached for ok.test; try again later');
    expect(log.lines).toContain('Info: Delivery to ok.test 10.9.9.9 throttled by recipient limit');
    expect(log.lines.some((l) => l.startsWith('Info: Delayed: DCID 1 MID 2 to RID 1 - 4.4.5 Recipient limit'))).toBe(true);
  });

  it('tags the sender with BATV when the row says so, and leaves a tagged sender alone', async () => {
    const net = new ScriptedNetwork();
    const key = Buffer.alloc(32, 7);
    const table = tableWith({ destination: 'ok.test', bounceVerification: true });
    const now = Date.UTC(2026, 10, 28);
    const { result } = run([msg(['a@ok.test']), msg(['b@ok.test'], 'm2', 'prvs=0123ABCDEF=x@origin.test'), msg(['c@[10.0.0.5]'])], table, net, {
      batvKey: async () => key,
      now: () => now,
    });
    await result;
    const froms = ['a', 'b', 'c'].map((u) => net.sent.find((s) => s.message.recipients[0]?.address.startsWith(`${u}@`))?.message.from);
    expect(froms[0]).toMatch(/^prvs=0\d{3}[0-9A-F]{6}=sender@origin\.test$/);
    expect(batvValid(froms[0] as string, key, new Date(now))).toBe(true);
    expect(froms[1]).toBe('prvs=0123ABCDEF=x@origin.test');
    expect(froms[2]).toBe('sender@origin.test');
  });

  it('splits more than 100 recipients of one destination into transactions of at most 100', async () => {
    const net = new ScriptedNetwork();
    const { result } = run([msg(Array.from({ length: 250 }, (_, i) => `u${i}@ok.test`))], emptyTable(), net);
    const { report } = await result;
    expect(report.summary.delivered).toBe(250);
    expect(net.sent.map((s) => s.message.recipients.length).sort()).toEqual([100, 100, 50]);
    expect(new Set(net.sent.map((s) => s.message.mid))).toEqual(new Set([1]));
    expect(net.sent.flatMap((s) => s.message.recipients.map((r) => r.rid)).sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('sends and reports a recipient given twice in one message once (domain case aside), as Postfix does', async () => {
    const net = new ScriptedNetwork();
    const { log, result } = run([msg(['a@OK.test', 'b@ok.test', 'a@ok.TEST', 'A@ok.test', 'b@ok.test'])], emptyTable(), net);
    const { report } = await result;
    // The local part is case-sensitive (RFC 5321 §2.4): A@ok.test is another mailbox.
    expect(report.recipients.map((r) => [r.address, r.status])).toEqual([
      ['a@OK.test', 'delivered'],
      ['b@ok.test', 'delivered'],
      ['A@ok.test', 'delivered'],
    ]);
    expect(report.summary).toEqual({ delivered: 3, deferred: 0, bounced: 0 });
    expect(net.sent.map((s) => s.message.recipients)).toEqual([
      [
        { rid: 0, address: 'a@OK.test' },
        { rid: 1, address: 'b@ok.test' },
        { rid: 2, address: 'A@ok.test' },
      ],
    ]);
    expect(log.lines).toContain('Info: Delivery start DCID 1 MID 1 to RID [0, 1, 2]');
  });

  it('on abort starts no new transaction and reports the rest deferred', async () => {
    const net = new ScriptedNetwork();
    let open!: () => void;
    net.gate = new Promise((r) => (open = r));
    const table = tableWith({ destination: 'ok.test', maxConcurrency: 1 });
    const abort = new AbortController();
    const { result, log } = run([msg(['a@ok.test']), msg(['b@ok.test']), msg(['c@ok.test'])], table, net, { signal: abort.signal });
    // The first message is in its transaction (held by the gate) when the abort comes.
    await expect.poll(() => net.open.get('10.0.0.1'), { timeout: 10_000 }).toBe(1);
    abort.abort();
    open();
    const { report } = await result;
    expect(report.recipients.map((r) => r.status)).toEqual(['delivered', 'deferred', 'deferred']);
    expect(report.recipients[1]?.reason).toMatch(/^4\.3\.0 Delivery interrupted/);
    expect(net.sent).toHaveLength(1);
    expect(log.lines).toContain('Info: DCID 1 close');
  });
});

describe('a session lost before any reply to MAIL FROM goes on to the next target', () => {
  it('a server that drops the session after EHLO: delivered via the next MX, attempts 2, both connections in the log', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@drops.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.80', '10.0.0.2']);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'mx2.drops.test', ip: '10.0.0.2', attempts: 2, reason: null });
    expect(net.sent.map((s) => [s.ip, s.dcid])).toEqual([['10.0.0.2', 2]]);
    expect(log.lines).toEqual([
      'Info: New SMTP DCID 1 interface 10.9.9.9 address 10.0.0.80 port 25',
      'Info: Delivery start DCID 1 MID 1 to RID [0]',
      'Info: DCID 1 close',
      'Info: Connection Error: DCID: 1 IP: 10.0.0.80 details: connection closed by the server while waiting for the reply to MAIL FROM interface: default reason: network error',
      'Info: New SMTP DCID 2 interface 10.9.9.9 address 10.0.0.2 port 25',
      'Info: Delivery start DCID 2 MID 1 to RID [0]',
      "Info: Message done DCID 2 MID 1 to RID [0] [('250', ['2.0.0 queued'])]",
      'Info: DCID 2 close',
    ]);
  });

  it('a server that answers MAIL FROM with 421 (closing the channel): delivered via the next MX', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@closes.test', 'b@closes.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.81', '10.0.0.2']);
    expect(report.recipients.map((r) => [r.status, r.ip, r.attempts])).toEqual([
      ['delivered', '10.0.0.2', 2],
      ['delivered', '10.0.0.2', 2],
    ]);
    expect(log.lines).toContain(
      'Info: Connection Error: DCID: 1 IP: 10.0.0.81 details: the server is closing the connection: 421 4.3.2 Service shutting down, closing transmission channel interface: default reason: unexpected SMTP response',
    );
    expect(log.lines.some((l) => l.includes('Delayed'))).toBe(false);
  });

  it('the only MX drops the session: deferred 4.4.2 with one attempt, as before', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@onlydrop.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects).toHaveLength(1);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', mxHost: 'mx.onlydrop.test', ip: '10.0.0.80', attempts: 1 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.2 connection closed by the server while waiting for the reply to MAIL FROM/);
    expect(log.lines.filter((l) => l.includes('Delayed: '))).toHaveLength(1);
    expect(log.lines.some((l) => l.includes('Message done'))).toBe(false);
  });

  it('every later target fails too: deferred with the deciding failure (the last one), every attempt counted', async () => {
    const net = new ScriptedNetwork();
    const { result } = run([msg(['a@dropdead.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.80', '10.0.0.66']);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', mxHost: 'mx2.dropdead.test', ip: '10.0.0.66', attempts: 2 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.1 connect ECONNREFUSED 10\.0\.0\.66:25 \(mx2\.dropdead\.test \[10\.0\.0\.66\]\)$/);
  });

  it('under Required TLS, the first MX failing TLS and the second losing the session: the TLS failure decides (4.7.4), with the alert', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'droptls.test', tls: 'required' });
    table.globals.alertOnRequiredTlsFailure = true;
    const alerts: string[] = [];
    const sink: AlertSink = { requiredTlsFailed: (d) => alerts.push(d), flush: async () => {} };
    const { result, log } = run([msg(['a@droptls.test'])], table, net, { alerts: sink });
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.70', '10.0.0.80']);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', mxHost: 'mx1.droptls.test', ip: '10.0.0.70', attempts: 2 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.7\.4 STARTTLS was not offered \(mx1\.droptls\.test/);
    expect(log.lines).toContain('Info: DCID 1 IP 10.0.0.70 TLS was required but could not be successfully negotiated');
    expect(log.lines.some((l) => l.startsWith('Info: Connection Error: DCID: 2 IP: 10.0.0.80 '))).toBe(true);
    expect(alerts).toEqual(['droptls.test']);
  });

  it('a drop after MAIL FROM was accepted is deferred as before: no other MX is tried', async () => {
    const net = new ScriptedNetwork();
    const { result, log } = run([msg(['a@latedrop.test'])], emptyTable(), net);
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.82']);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', ip: '10.0.0.82', attempts: 1 });
    expect(report.recipients[0]?.reason).toBe('4.4.2 connection closed by the server while waiting for the reply to the final dot');
    expect(log.lines.some((l) => l.includes('Connection Error'))).toBe(false);
  });

  it('keeps the concurrency limit (the lost connection gives its slot back first) and messages per connection', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'drops.test', maxConcurrency: 1, maxMessagesPerConnection: 2 });
    const { result } = run(Array.from({ length: 5 }, (_, i) => msg([`u${i}@drops.test`], `m${i}.eml`)), table, net);
    const { report, peakConnections } = await result;
    expect(report.summary).toEqual({ delivered: 5, deferred: 0, bounced: 0 });
    expect(peakConnections.get('drops.test')).toBe(1);
    expect(Math.max(...net.peak.values())).toBe(1);
    // Each connection to the first MX loses its first message, which the second MX then carries with the next one.
    const perDcid = new Map<number, number>();
    for (const s of net.sent) perDcid.set(s.dcid, (perDcid.get(s.dcid) ?? 0) + 1);
    expect(Math.max(...perDcid.values())).toBe(2);
    expect(net.lost.every((l) => l.ip === '10.0.0.80')).toBe(true);
  });

  it('a recipient limit counts the recipients of a lost session once', async () => {
    const net = new ScriptedNetwork();
    const table = tableWith({ destination: 'drops.test', recipientLimit: { limit: 3, minutes: 10 }, limitType: 'domain', limitApply: 'system', maxConcurrency: 1 });
    const now = 1_700_000_000_000;
    const { result } = run([msg(['a@drops.test', 'b@drops.test']), msg(['c@drops.test'])], table, net, { now: () => now });
    const { report } = await result;
    expect(report.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('after SIGTERM no other target is tried: the message is deferred as before', async () => {
    const net = new ScriptedNetwork();
    const abort = new AbortController();
    const abortingFirstMx: Connector = async (options) => {
      const opened = await net.connector(options);
      if (opened.ok && options.target.ip === '10.0.0.80') {
        const send = opened.connection.send.bind(opened.connection);
        opened.connection.send = async (message, next, last) => {
          abort.abort();
          return send(message, next, last);
        };
      }
      return opened;
    };
    const table = tableWith({ destination: 'drops.test', maxConcurrency: 1 });
    const { result } = run([msg(['a@drops.test']), msg(['b@drops.test'])], table, net, { connector: abortingFirstMx, signal: abort.signal });
    const { report } = await result;
    expect(net.connects.map((c) => c.target.ip)).toEqual(['10.0.0.80']);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', attempts: 1 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.4\.2 /);
    expect(report.recipients[1]?.reason).toMatch(/^4\.3\.0 Delivery interrupted/);
  });
});
