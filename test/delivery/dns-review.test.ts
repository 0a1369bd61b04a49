// Findings of the DNS, routing and DANE code review (docs/qa-accept.md, 29 Nov 2026), each against the
// in-process name server over real UDP sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    // An MX host without an A record whose AAAA lookup fails temporarily.
    'v6fail.test': { mx: [{ preference: 10, exchange: 'mx.v6fail.test' }] },
    'mx.v6fail.test': { servfailTypes: ['AAAA'] },
    'v4fail.test': { mx: [{ preference: 10, exchange: 'mx.v4fail.test' }] },
    'mx.v4fail.test': { servfailTypes: ['A'] },
    // A domain whose name server fails for a while, then answers.
    'flaky.test': { servfail: true },
    'mx.flaky.test': { a: ['127.0.0.5'] },
  });
});
afterAll(() => dns.close());

function resolver(now: () => number = Date.now): MxResolver {
  return new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 300, tries: 1 }), random: () => 0, now });
}

describe('MX resolution: temporary failures are never permanent', () => {
  it('under REQUIRE_V4, an MX host without A whose AAAA lookup failed temporarily is deferred 4.4.3, not bounced', async () => {
    // With an AAAA answer the destination would be deferred 4.4.4 (MX hosts of the other family only), so a
    // failed AAAA lookup cannot make it a bounce: "a soft error dominates" (Postfix smtp_addr.c).
    const r = await resolver().resolve('v6fail.test', { v4: true, v6: false });
    expect(r).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
    expect(r.ok ? '' : r.reason).toContain('name=mx.v6fail.test type=AAAA: Host not found, try again (SERVFAIL)');
    const v6 = await resolver().resolve('v4fail.test', { v4: false, v6: true });
    expect(v6).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
  });

  it('does not keep a failed MX lookup: once the name server answers, the next lookup of the same resolver succeeds', async () => {
    const r = resolver();
    expect(await r.resolve('flaky.test')).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
    dns.set('flaky.test', { mx: [{ preference: 10, exchange: 'mx.flaky.test' }] });
    expect(await r.resolve('flaky.test')).toMatchObject({ ok: true, hosts: [{ host: 'mx.flaky.test', v4: ['127.0.0.5'] }] });
  });
});
