import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MxResolver, createResolver, orderMx, parseDnsServer } from '../../src/delivery/dns.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 20, exchange: 'mx2.example.test' }, { preference: 10, exchange: 'mx1.example.test' }] },
    'mx1.example.test': { a: ['127.0.0.1'], aaaa: ['::1'] },
    'mx2.example.test': { a: ['127.0.0.2'] },
    'nomx.test': { a: ['127.0.0.3'] },
    'nothing.test': {},
    'nullmx.test': { mx: [{ preference: 0, exchange: '.' }] },
    'broken.test': { servfail: true },
    'slow.test': { silent: true },
    'equal.test': {
      mx: [
        { preference: 10, exchange: 'a.equal.test' },
        { preference: 10, exchange: 'b.equal.test' },
        { preference: 10, exchange: 'c.equal.test' },
      ],
    },
    'a.equal.test': { a: ['127.0.0.11'] },
    'b.equal.test': { a: ['127.0.0.12'] },
    'c.equal.test': { a: ['127.0.0.13'] },
    'deadmx.test': { mx: [{ preference: 10, exchange: 'gone.deadmx.test' }] },
    'gone.deadmx.test': { servfail: true },
    // MX hosts without addresses: names that do not exist (NXDOMAIN), a name without A/AAAA (NODATA), a host
    // with an IPv6 address only, and mixtures with a temporary failure or with a host that has an address.
    'nxmx.test': { mx: [{ preference: 10, exchange: 'mx1.nxmx.test' }, { preference: 20, exchange: 'mx2.nxmx.test' }] },
    'nodatamx.test': { mx: [{ preference: 10, exchange: 'mx.nodatamx.test' }] },
    'mx.nodatamx.test': {},
    'v6mx.test': { mx: [{ preference: 10, exchange: 'mx.v6mx.test' }] },
    'mx.v6mx.test': { aaaa: ['::1'] },
    'halfdead.test': { mx: [{ preference: 10, exchange: 'gone.halfdead.test' }, { preference: 20, exchange: 'mx.halfdead.test' }] },
    'gone.halfdead.test': { servfail: true },
    'partly.test': { mx: [{ preference: 10, exchange: 'gone.partly.test' }, { preference: 20, exchange: 'mx.partly.test' }] },
    'mx.partly.test': { a: ['127.0.0.4'] },
  });
});
afterAll(() => dns.close());

function resolver(random: () => number = () => 0, now: () => number = Date.now): MxResolver {
  return new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 300, tries: 1 }), random, now });
}

describe('MX resolution against a DNS server', () => {
  it('sorts MX hosts by preference and gives both address families', async () => {
    const r = await resolver().resolve('example.test');
    expect(r).toEqual({
      ok: true,
      implicit: false,
      hosts: [
        { host: 'mx1.example.test', preference: 10, v4: ['127.0.0.1'], v6: ['::1'] },
        { host: 'mx2.example.test', preference: 20, v4: ['127.0.0.2'], v6: [] },
      ],
    });
  });

  it('uses the domain itself when it has no MX records (implicit MX)', async () => {
    const r = await resolver().resolve('nomx.test');
    expect(r).toEqual({ ok: true, implicit: true, hosts: [{ host: 'nomx.test', preference: 0, v4: ['127.0.0.3'], v6: [] }] });
  });

  it('bounces a null MX with 5.1.10 and NXDOMAIN with 5.1.2', async () => {
    expect(await resolver().resolve('nullmx.test')).toMatchObject({ ok: false, status: 'bounced', enhanced: '5.1.10' });
    expect(await resolver().resolve('missing.test')).toMatchObject({ ok: false, status: 'bounced', enhanced: '5.1.2' });
    expect(await resolver().resolve('nothing.test')).toMatchObject({ ok: false, status: 'bounced', enhanced: '5.1.2' });
  });

  it('defers SERVFAIL and time-outs with 4.4.3', async () => {
    const servfail = await resolver().resolve('broken.test');
    expect(servfail).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
    expect(servfail.ok ? '' : servfail.reason).toContain('SERVFAIL');
    const timeout = await resolver().resolve('slow.test');
    expect(timeout).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
  });

  it('marks a host whose address lookup fails temporarily', async () => {
    const h = await resolver().hostAddresses('gone.deadmx.test');
    expect(h.lookupFailed).toBe('address lookup of gone.deadmx.test failed: SERVFAIL');
  });

  it('bounces with 5.4.4 when no MX host exists (NXDOMAIN), naming every host and the answer', async () => {
    const r = await resolver().resolve('nxmx.test');
    expect(r).toEqual({
      ok: false,
      status: 'bounced',
      enhanced: '5.4.4',
      reason:
        'No MX host of nxmx.test has an address. Name service error for name=mx1.nxmx.test type=A/AAAA: Host not found (NXDOMAIN); ' +
        'name=mx2.nxmx.test type=A/AAAA: Host not found (NXDOMAIN)',
    });
  });

  it('bounces with 5.4.4 when the MX host has no A or AAAA record (NODATA)', async () => {
    const r = await resolver().resolve('nodatamx.test');
    expect(r).toMatchObject({ ok: false, status: 'bounced', enhanced: '5.4.4' });
    expect(r.ok ? '' : r.reason).toBe(
      'No MX host of nodatamx.test has an address. Name service error for name=mx.nodatamx.test type=A/AAAA: Host found but no data record of requested type (NODATA)',
    );
  });

  it('under REQUIRE_V4, an IPv6-only MX host is kept without addresses (route.ts skips it, delivery defers), not bounced', async () => {
    const v4only = await resolver().resolve('v6mx.test', { v4: true, v6: false });
    expect(v4only).toMatchObject({ ok: true, implicit: false, hosts: [{ host: 'mx.v6mx.test', v4: [], v6: [] }] });
    expect(await resolver().resolve('v6mx.test')).toMatchObject({ ok: true, hosts: [{ host: 'mx.v6mx.test', v6: ['::1'] }] });
  });

  it('under REQUIRE_V4, MX hosts with no address in either family still bounce 5.4.4, naming the A answer', async () => {
    const r = await resolver().resolve('nodatamx.test', { v4: true, v6: false });
    expect(r).toMatchObject({ ok: false, status: 'bounced', enhanced: '5.4.4' });
    expect(r.ok ? '' : r.reason).toBe(
      'No MX host of nodatamx.test has an address. Name service error for name=mx.nodatamx.test type=A: Host found but no data record of requested type (NODATA)',
    );
  });

  it('defers with 4.4.3 when an MX host lookup failed temporarily and none has an address', async () => {
    const dead = await resolver().resolve('deadmx.test');
    expect(dead).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
    expect(dead.ok ? '' : dead.reason).toBe(
      'No MX host of deadmx.test has an address. Name service error for name=gone.deadmx.test type=A/AAAA: Host not found, try again (SERVFAIL)',
    );
    // One temporary failure among definitive answers is enough: the mail may be deliverable later.
    const half = await resolver().resolve('halfdead.test');
    expect(half).toMatchObject({ ok: false, status: 'deferred', enhanced: '4.4.3' });
    expect(half.ok ? '' : half.reason).toContain('name=gone.halfdead.test type=A/AAAA: Host not found, try again (SERVFAIL)');
    expect(half.ok ? '' : half.reason).toContain('name=mx.halfdead.test type=A/AAAA: Host not found (NXDOMAIN)');
  });

  it('keeps the MX hosts that have an address and marks the others', async () => {
    const r = await resolver().resolve('partly.test');
    expect(r).toEqual({
      ok: true,
      implicit: false,
      hosts: [
        { host: 'gone.partly.test', preference: 10, v4: [], v6: [], noAddress: 'name=gone.partly.test type=A/AAAA: Host not found (NXDOMAIN)' },
        { host: 'mx.partly.test', preference: 20, v4: ['127.0.0.4'], v6: [] },
      ],
    });
  });

  it('shuffles equal preferences with the injected randomness', async () => {
    const first = await resolver(() => 0).resolve('equal.test');
    const last = await resolver(() => 0.999).resolve('equal.test');
    const names = (r: typeof first): string[] => (r.ok ? r.hosts.map((h) => h.host) : []);
    expect(names(first)).toEqual(['b.equal.test', 'c.equal.test', 'a.equal.test']);
    expect(names(last)).toEqual(['a.equal.test', 'b.equal.test', 'c.equal.test']);
  });

  it('caches answers: a second lookup asks nothing until the cache expires', async () => {
    let now = 1_000_000;
    const r = resolver(() => 0, () => now);
    await r.resolve('example.test');
    const before = dns.queries.length;
    await r.resolve('example.test');
    await Promise.all([r.resolve('example.test'), r.resolve('example.test')]);
    expect(dns.queries.length).toBe(before);
    now += 10 * 60_000;
    await r.resolve('example.test');
    expect(dns.queries.slice(before)).toContain('MX example.test');
  });
});

describe('orderMx and parseDnsServer', () => {
  it('orders by preference, keeping every record', () => {
    const recs = [{ preference: 30 }, { preference: 10 }, { preference: 20 }, { preference: 10 }];
    expect(orderMx(recs, Math.random).map((r) => r.preference)).toEqual([10, 10, 20, 30]);
  });

  it('accepts IPv4 and IPv6 servers with optional ports and rejects names and bad ports', () => {
    expect(parseDnsServer('127.0.0.1')).toBe('127.0.0.1');
    expect(parseDnsServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(parseDnsServer('::1')).toBe('::1');
    expect(parseDnsServer('[::1]:5353')).toBe('[::1]:5353');
    expect(parseDnsServer('dns.example')).toBeNull();
    expect(parseDnsServer('127.0.0.1:70000')).toBeNull();
    expect(parseDnsServer('')).toBeNull();
  });
});
