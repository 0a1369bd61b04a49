// MX routing against dnsmasq and Postfix (issues 4 and 5): fallback to the second MX when the first is down
// or refuses, the implicit MX of a domain without MX records, null MX, NXDOMAIN, and an MX host without address.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { deliver, describeRun, sharedHome, outcomeText, recipient, tableFile } from './helpers/destconfig.js';
import { MailLog, sessionCounters, waitForMessage } from './helpers/postfix-side.js';
import { uniqueTag } from './helpers/tools.js';

const peers = inject('peers');

describe.skipIf(peers === null)('MX routing through dnsmasq', () => {
  const p = peers!;
  // Required - Verify everywhere: the fallback path must also pass certificate checks (the second MX's
  // name is in the certificate, and so is nomx.test for the implicit MX).
  const home = sharedHome(p, tableFile('required_verify', {}));

  const dnsQueries = () => readFileSync(join(p.base, 'dnsmasq.log'), 'utf8');

  it('the first MX is down (connection refused): the message arrives through the second', async () => {
    const token = uniqueTag('down');
    const rcpt = `${token}@down.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(0);
    expect(recipient(run, rcpt), why).toMatchObject({ status: 'delivered', mxHost: 'mx2.down.test', ip: p.ips.offer });
    expect(recipient(run, rcpt).tls, why).toMatchObject({ negotiated: true, verified: true, matchedIdentity: 'mx2.down.test' });
    expect(dnsQueries()).toMatch(/query\[A\] mx1\.down\.test from 127\.0\.0\.1/);
    const msg = await waitForMessage(p, rcpt, token);
    expect(msg.protocol).toBe('ESMTPS');
    expect(await log.deliveredLine(rcpt)).toContain('(delivered to maildir)');
  });

  it('the first MX refuses (554 greeting): Postfix logs the refusal, and the message arrives through the second', async () => {
    const token = uniqueTag('refuse');
    const rcpt = `${token}@refuse.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(0);
    expect(recipient(run, rcpt), why).toMatchObject({ status: 'delivered', mxHost: 'mx2.refuse.test', ip: p.ips.offer });
    const refused = log.smtpdLines('refuse');
    expect(refused.some((l) => l.includes('reject: CONNECT from'))).toBe(true);
    for (const c of (await log.disconnects('refuse')).map(sessionCounters)) expect(c.mail).toBeUndefined();
    const msg = await waitForMessage(p, rcpt, token);
    expect(msg.by).toBe('mx.offer.test');
    expect(await log.deliveredLine(rcpt)).toContain('(delivered to maildir)');
  });

  it('a domain without MX records is delivered to its own A record (implicit MX)', async () => {
    const token = uniqueTag('nomx');
    const rcpt = `${token}@nomx.test`;
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(0);
    expect(recipient(run, rcpt), why).toMatchObject({ status: 'delivered', mxHost: 'nomx.test', ip: p.ips.offer });
    expect((await waitForMessage(p, rcpt, token)).protocol).toBe('ESMTPS');
  });

  it('a null MX bounces with 5.1.10 and no connection is made (exit 69)', async () => {
    const token = uniqueTag('nullmx');
    const rcpt = `${token}@nullmx.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(69);
    const r = recipient(run, rcpt);
    expect(r.status, why).toBe('bounced');
    expect(outcomeText(r), why).toContain('5.1.10');
    expect(dnsQueries()).toMatch(/query\[MX\] nullmx\.test from 127\.0\.0\.1/);
    expect(log.lines().filter((l) => l.includes('connect from'))).toEqual([]);
  });

  it('an unknown domain (NXDOMAIN) bounces with 5.1.2 (exit 69)', async () => {
    const token = uniqueTag('nxdomain');
    const rcpt = `${token}@missing.test`;
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(69);
    expect(recipient(run, rcpt).status, why).toBe('bounced');
    expect(outcomeText(recipient(run, rcpt)), why).toContain('5.1.2');
  });

  it('an MX host without an address record bounces with 5.4.4 naming it, and no connection is made (exit 69)', async () => {
    const token = uniqueTag('noaddr');
    const rcpt = `${token}@noaddr.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(69);
    expect(recipient(run, rcpt), why).toMatchObject({
      status: 'bounced',
      mxHost: null,
      reason: '5.4.4 No MX host of noaddr.test has an address. Name service error for name=mx.noaddr.test type=A/AAAA: Host not found (NXDOMAIN)',
    });
    expect(dnsQueries()).toMatch(/query\[A\] mx\.noaddr\.test from 127\.0\.0\.1/);
    expect(log.lines().filter((l) => l.includes('connect from'))).toEqual([]);
  });

  it('REQUIRE_V6 for a domain whose MX host has only an A record: deferred 4.4.4 (reference §11), no connection (exit 75)', async () => {
    const v6home = sharedHome(p, `${tableFile('required_verify', {})}\n[offer.test]\nip_sort_pref = REQUIRE_V6\n`);
    const token = uniqueTag('v6only');
    const rcpt = `${token}@offer.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await v6home(), { to: [rcpt], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(75);
    expect(recipient(run, rcpt), why).toMatchObject({
      status: 'deferred',
      row: 'offer.test',
      mxHost: null,
      reason: '4.4.4 No usable address for offer.test: mx.offer.test has no IPv6 address (REQUIRE_V6)',
    });
    expect(dnsQueries()).toMatch(/query\[AAAA\] mx\.offer\.test from 127\.0\.0\.1/);
    expect(log.lines().filter((l) => l.includes('connect from'))).toEqual([]);
  });
});
