// Load: 5,000 recipients across 500 domains through `destconfig deliver --batch`, every row limiting
// concurrency to 2 (a fifth of them per MX IP, with two MX hosts on two addresses), messages per
// connection to 10, and twenty rows a recipient limit of 7 per 60 minutes (ten of them per MX IP, where
// the limit applies to each address: ESA's "separate limit for each mail exchanger IP address"). The sink counts at its side: it
// must never see a limit broken; every recipient must end in the status its server reply or limit
// demands; the client's peak memory must stay bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blankEntry } from '../../src/table/types.js';
import { selfSignedCert } from '../../bench/lib/cert.js';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpServerSink, type SmtpSink } from '../../bench/lib/sink-smtp.js';
import { byAddress, parseReport, runDeliverBatch, tableHome, writeBatch, type BatchMessage } from './batch.js';

const DOMAINS = 500;
const BIG = 100; // l000..l099 get 30 recipients each, the rest 5 each: 3,000 + 2,000 = 5,000
const MX_IPS = ['127.0.0.2', '127.0.0.3'];
const CONCURRENCY = 2;
const PER_CONNECTION = 10;
const RECIPIENT_LIMIT = 7;
const RSS_LIMIT_MB = 300;

const domain = (i: number): string => `l${String(i).padStart(3, '0')}.load.test`;
const perMxIp = (i: number): boolean => i % 5 === 0;
const recipientLimited = (i: number): boolean => i < BIG && (i % 10 === 3 || i % 10 === 5);
const withRefusals = (i: number): boolean => i >= BIG && i % 20 === 0;

function messages(): BatchMessage[] {
  const out: BatchMessage[] = [];
  const from = 'sender@origin.load.test';
  for (let i = 0; i < DOMAINS; i++) {
    const d = domain(i);
    if (i >= BIG) {
      const locals = withRefusals(i) ? ['bounce1', 'tempfail1', 'u3', 'u4', 'u5'] : ['u1', 'u2', 'u3', 'u4', 'u5'];
      for (const l of locals) out.push({ from, to: [`${l}@${d}`] });
    } else if (recipientLimited(i)) {
      for (let k = 0; k < 30; k++) out.push({ from, to: [`r${k}@${d}`] });
    } else {
      for (let k = 0; k < 10; k++) out.push({ from, to: [`a${k}@${d}`] });
      for (let k = 0; k < 10; k++) out.push({ from, to: [`b${k}@${d}`, `c${k}@${d}`] });
    }
  }
  return out;
}

describe('deliver --batch under load: 5,000 recipients, 500 domains, limited rows', () => {
  let dir: string;
  let dns: TestDnsServer;
  let sink: SmtpSink;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-limits-'));
    dns = await startDnsServer(
      loopbackZone({
        isDomain: (name) => /^l\d{3}\.load\.test$/.test(name),
        mxFor: (d) => {
          const i = Number(d.slice(1, 4));
          return perMxIp(i)
            ? [
                { exchange: `mx1.${d}`, preference: 10 },
                { exchange: `mx2.${d}`, preference: 10 },
              ]
            : [{ exchange: `mx.${d}`, preference: 10 }];
        },
        addressFor: (host) => (host.startsWith('mx1.') ? MX_IPS[0]! : host.startsWith('mx2.') ? MX_IPS[1]! : '127.0.0.1'),
      }),
    );
    sink = await startSmtpServerSink({
      tls: selfSignedCert(['sink.load.test']),
      hosts: ['127.0.0.1', ...MX_IPS],
      rcptRule: (address) =>
        address.startsWith('bounce')
          ? { code: 550, message: '5.1.1 No such user here' }
          : address.startsWith('tempfail')
            ? { code: 451, message: '4.3.0 Try again later' }
            : undefined,
    });
  });

  afterAll(async () => {
    await sink?.close();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every limit at the sink, settles every recipient, and stays within bounded memory', async () => {
    const home = path.join(dir, 'home');
    await tableHome(home, (t) => {
      for (let i = 0; i < DOMAINS; i++) {
        const e = blankEntry(domain(i));
        e.maxConcurrency = CONCURRENCY;
        e.maxMessagesPerConnection = PER_CONNECTION;
        e.limitType = perMxIp(i) ? 'mxip' : 'domain';
        e.limitApply = 'system';
        if (i % 3 === 0) e.tls = 'preferred';
        if (recipientLimited(i)) e.recipientLimit = { limit: RECIPIENT_LIMIT, minutes: 60 };
        t.entries.set(e.destination, e);
      }
    });
    const batch = path.join(dir, 'batch');
    const input = messages();
    writeBatch(batch, input);
    const expectedRecipients = input.reduce((n, m) => n + m.to.length, 0);
    expect(expectedRecipients).toBe(5000);

    const run = await runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: sink.port, log: path.join(dir, 'mail.log') }).done;
    const report = parseReport(run.stdout, run.stderr);
    const stats = sink.stats();

    // Every recipient is reported once, in the status its reply or row demands.
    expect(report.recipients).toHaveLength(expectedRecipients);
    const reported = byAddress(report);
    expect(reported.size).toBe(expectedRecipients);
    const wrong: string[] = [];
    const deliveredPerDomain = new Map<string, number>();
    for (const r of report.recipients) {
      const d = r.address.slice(r.address.indexOf('@') + 1);
      const i = Number(d.slice(1, 4));
      const local = r.address.slice(0, r.address.indexOf('@'));
      if (r.status === 'delivered') deliveredPerDomain.set(d, (deliveredPerDomain.get(d) ?? 0) + 1);
      if (local.startsWith('bounce')) {
        if (r.status !== 'bounced' || r.reply?.code !== 550) wrong.push(`${r.address}: ${r.status} ${r.reply?.code}`);
      } else if (local.startsWith('tempfail')) {
        if (r.status !== 'deferred' || r.reply?.code !== 451) wrong.push(`${r.address}: ${r.status} ${r.reply?.code}`);
      } else if (recipientLimited(i)) {
        if (r.status === 'deferred' && !(r.reason ?? r.reply?.text)) wrong.push(`${r.address}: deferred without a reason`);
        if (r.status === 'bounced') wrong.push(`${r.address}: bounced under a recipient limit`);
      } else if (r.status !== 'delivered') {
        wrong.push(`${r.address}: ${r.status} ${r.reply ? `${r.reply.code} ${r.reply.text}` : r.reason}`);
      }
    }
    expect(wrong.slice(0, 20)).toEqual([]);

    // Rows with a recipient limit (1-recipient messages, 30 of them): per domain, exactly the limit
    // delivered and the rest deferred; per MX IP, at most the limit through each address, and at least
    // the limit in all. The sink saw no more than the limit on any counter.
    for (let i = 0; i < BIG; i++) {
      if (!recipientLimited(i)) continue;
      const d = domain(i);
      const got = deliveredPerDomain.get(d) ?? 0;
      if (perMxIp(i)) {
        expect(got, d).toBeGreaterThanOrEqual(RECIPIENT_LIMIT);
        expect(got, d).toBeLessThanOrEqual(RECIPIENT_LIMIT * MX_IPS.length);
        for (const ip of MX_IPS) expect(stats.acceptedByDomainAndIp[`${d}@${ip}`] ?? 0, `${d} via ${ip}`).toBeLessThanOrEqual(RECIPIENT_LIMIT);
      } else {
        expect(got, d).toBe(RECIPIENT_LIMIT);
        expect(stats.acceptedByDomain[d] ?? 0, d).toBe(RECIPIENT_LIMIT);
      }
    }

    // What the sink accepted is exactly what the report calls delivered: nothing twice, nothing missing.
    const delivered = report.recipients.filter((r) => r.status === 'delivered').map((r) => r.address.toLowerCase());
    expect(report.summary.delivered).toBe(delivered.length);
    expect(Object.values(stats.acceptedRecipients).reduce((a, b) => a + b, 0)).toBe(delivered.length);
    expect(delivered.filter((a) => stats.acceptedRecipients[a] !== 1)).toEqual([]);

    // Limits as the sink counted them.
    expect(stats.maxMessagesPerConnection).toBeLessThanOrEqual(PER_CONNECTION);
    const over: string[] = [];
    for (let i = 0; i < DOMAINS; i++) {
      const d = domain(i);
      if (perMxIp(i)) {
        for (const ip of MX_IPS) {
          const n = stats.maxConcurrencyByDomainAndIp[`${d}@${ip}`] ?? 0;
          if (n > CONCURRENCY) over.push(`${d} via ${ip}: ${n}`);
        }
      } else if ((stats.maxConcurrencyByDomain[d] ?? 0) > CONCURRENCY) over.push(`${d}: ${stats.maxConcurrencyByDomain[d]}`);
    }
    expect(over).toEqual([]);
    // The limit was reached somewhere, so the check above had something to catch.
    expect(Math.max(...Object.values(stats.maxConcurrencyByDomain))).toBeGreaterThanOrEqual(2);
    expect(stats.tlsConnections).toBeGreaterThan(0);

    // Exit status: some recipients bounced (69 wins over deferred).
    expect(run.status, run.stderr).toBe(69);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 180_000);
});
