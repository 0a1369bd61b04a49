// DANE through deliver() with the real connection layer: the in-process DNS server plays the validating
// resolver (AD bits, SERVFAIL), smtp-server peers on loopback present generated certificates. One test per
// row of the reference §6.1 matrix, each under Opportunistic and Mandatory where they differ; assertions
// at the server (connections, MAIL FROM, SNI) as well as in the report and the mail log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaneResolver } from '../../../src/delivery/dane/policy.js';
import { SecureDns } from '../../../src/delivery/dane/secure-dns.js';
import { deliver, type DeliverOptions } from '../../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../../src/delivery/dns.js';
import { MemoryLog } from '../../../src/delivery/maillog.js';
import { reportText } from '../../../src/delivery/report.js';
import { createConnector } from '../../../src/delivery/session.js';
import { TlsSessionCache } from '../../../src/delivery/tls-context.js';
import { DEFAULT_TIMEOUTS } from '../../../src/delivery/types.js';
import type { IssuedCert } from '../../helpers/test-ca.js';
import { blankEntry, emptyTable, type DaneMode, type DestTable, type TlsMode } from '../../../src/table/types.js';
import { startDnsServer, type TestDnsServer, type ZoneName } from '../../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../../helpers/smtp-peer.js';
import { startHostileServer, startScriptedSmtpServer } from '../../helpers/hostile-server.js';
import { danePki } from '../../helpers/dane-pki.js';

const pki = danePki();
let dns: TestDnsServer;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dns = await startDnsServer({}, { tcp: true });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});
afterAll(() => dns.close());

type Tlsa = NonNullable<ZoneName['tlsa']>;
const ee311 = (cert: IssuedCert): Tlsa => [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(cert.cert, 1, 1) }];
const ta201: Tlsa = [{ usage: 2, selector: 0, matchingType: 1, certificate: pki.data(pki.caCert, 0, 1) }];

interface Scenario {
  /** TLSA RRset, or how its lookup goes. */
  tlsa?: Tlsa | 'nxdomain' | 'servfail';
  /** DNSSEC status of the MX RRset and of the host's A record (default both secure). */
  mxSecure?: boolean;
  hostSecure?: boolean;
  tlsaSecure?: boolean;
}

/** A destination `<name>.dane.test` with MX mx.<name>.dane.test on 127.0.0.1 and the TLSA at `_PORT._tcp`. */
function zone(name: string, port: number, s: Scenario): { domain: string; mx: string } {
  const domain = `${name}.dane.test`;
  const mx = `mx.${domain}`;
  dns.set(domain, { mx: [{ preference: 10, exchange: mx }], ad: s.mxSecure ?? true });
  dns.set(mx, { a: ['127.0.0.1'], ad: s.hostSecure ?? true });
  const owner = `_${port}._tcp.${mx}`;
  if (s.tlsa === 'nxdomain') dns.set(owner, { nxdomain: true, ad: s.tlsaSecure ?? true });
  else if (s.tlsa === 'servfail') dns.set(owner, { servfail: true, ede: { code: 9, text: 'DNSKEY Missing' } });
  else if (s.tlsa) dns.set(owner, { tlsa: s.tlsa, ad: s.tlsaSecure ?? true });
  return { domain, mx };
}

async function peer(cert: IssuedCert, starttls: 'offered' | 'disabled' = 'offered'): Promise<SmtpPeer> {
  const p = await startSmtpPeer({ starttls, cert });
  closers.push(() => p.close());
  return p;
}

function table(domain: string, dane: DaneMode, tls: TlsMode): DestTable {
  const t = emptyTable();
  t.entries.set(domain, { ...blankEntry(domain), dane, tls });
  return t;
}

async function run(domain: string, port: number, dane: DaneMode, tls: TlsMode = 'preferred', extra: Partial<DeliverOptions> = {}) {
  const log = new MemoryLog();
  const resolver = new DaneResolver({ dns: new SecureDns({ server: dns.address, timeoutMs: 1000, tries: 1 }) });
  const result = await deliver([{ name: 'm.eml', from: 'alice@sender.test', to: [`bob@${domain}`], content: Buffer.from('Subject: dane\n\nhello\n') }], {
    table: table(domain, dane, tls),
    connector: createConnector({ sessionCache: new TlsSessionCache() }),
    mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }) }),
    log,
    port,
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
    dane: resolver,
    ...extra,
  });
  const entry = result.report.recipients[0];
  if (!entry) throw new Error('no report entry');
  return { entry, log: log.lines.join('\n'), resolver, text: reportText(result.report) };
}

const MODES: DaneMode[] = ['opportunistic', 'mandatory'];

describe('DANE authenticates the host (D1-D5, D7, D8)', () => {
  it.each(MODES)('D1 %s: 3 1 1 match: delivered over TLS, SNI the MX host, logged Verified', async (mode) => {
    const cert = pki.leaf(['mx.ee.dane.test']);
    const p = await peer(cert);
    const { domain, mx } = zone(`ee-${mode}`, p.port, { tlsa: ee311(cert) });
    const { entry, log, text } = await run(domain, p.port, mode);
    expect(entry).toMatchObject({ status: 'delivered', mxHost: mx, tls: { negotiated: true, verified: true, matchedIdentity: 'DANE-EE(3)' } });
    expect(text).toMatch(/certificate verified \(DANE-EE\(3\)\); DANE Verified TLSA 3 1 1 [0-9a-f]{16}\.\.\.\n/);
    expect(entry.tls.dane).toMatch(/^Verified TLSA 3 1 1 /);
    expect(p.messages[0]).toMatchObject({ secure: true, servername: mx });
    expect(log).toContain(`DANE for ${mx}: 1 usable TLSA record for ${mx}:${p.port}`);
    expect(log).toMatch(new RegExp(`DCID \\d+ DANE SUCCESS for ${mx}: Verified TLSA 3 1 1 `));
  });

  it('D1 with the row at TLS No: DANE still demands and gets TLS', async () => {
    const cert = pki.leaf(['mx.ee-no.dane.test']);
    const p = await peer(cert);
    const { domain } = zone('ee-no', p.port, { tlsa: ee311(cert) });
    const { entry } = await run(domain, p.port, 'opportunistic', 'no');
    expect(entry).toMatchObject({ status: 'delivered', tls: { mode: 'no', negotiated: true, verified: true } });
    expect(p.messages[0]?.secure).toBe(true);
  });

  it('D2/D3: a SHA-512 RRset of 20 records that only fits over TCP; the matching one is last', async () => {
    const cert = pki.leaf(['mx.big.dane.test']);
    const p = await peer(cert);
    const junk = Array.from({ length: 19 }, (_, i) => ({ usage: 3, selector: 1, matchingType: 2, certificate: Buffer.alloc(64, i + 1) }));
    const { domain, mx } = zone('big', p.port, { tlsa: [...junk, { usage: 3, selector: 1, matchingType: 2, certificate: pki.data(cert.cert, 1, 2) }] });
    dns.set(`_${p.port}._tcp.${mx}`, { tlsa: [...junk, { usage: 3, selector: 1, matchingType: 2, certificate: pki.data(cert.cert, 1, 2) }], ad: true, truncate: true });
    const { entry } = await run(domain, p.port, 'mandatory');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true } });
    expect(dns.queries).toContain(`TCP TLSA _${p.port}._tcp.${mx}`);
  });

  it.each(MODES)('D4 %s: 2 0 1 of the CA, the leaf naming the MX host, the row at Required - Verify (WebPKI not consulted)', async (mode) => {
    const cert = pki.leaf([`mx.ta-${mode}.dane.test`]);
    const p = await peer(cert);
    const { domain, mx } = zone(`ta-${mode}`, p.port, { tlsa: ta201 });
    // No --ca-file: the test CA is not trusted by WebPKI, only by the TLSA record.
    const { entry } = await run(domain, p.port, mode, 'required_verify');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true, matchedIdentity: mx } });
  });

  it('D5: 2 0 1, the leaf naming only the recipient domain (next hop)', async () => {
    const cert = pki.leaf(['tanexthop.dane.test']);
    const p = await peer(cert);
    const { domain } = zone('tanexthop', p.port, { tlsa: ta201 });
    const { entry } = await run(domain, p.port, 'opportunistic');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true, matchedIdentity: 'tanexthop.dane.test' } });
  });

  it('D7/D8: 3 1 1 of an expired leaf naming something else: delivered (EE checks neither)', async () => {
    const cert = pki.leaf(['elsewhere.invalid'], { expired: true });
    const p = await peer(cert);
    const { domain } = zone('expiredee', p.port, { tlsa: ee311(cert) });
    const { entry } = await run(domain, p.port, 'mandatory', 'required_verify');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true } });
  });
});

describe('DANE failures defer, never downgrade (D6, D9, D10, D17, D18)', () => {
  it.each([
    ['D6 tabadname', () => pki.leaf(['elsewhere.invalid']), ta201, /DANE-TA: the certificate names neither/, 'certificate-host-mismatch'],
    ['D9 expiredta', () => pki.leaf(['mx.expiredta.dane.test'], { expired: true }), ta201, /outside its validity period/, 'certificate-expired'],
    ['D10 nomatch', () => pki.leaf(['mx.nomatch.dane.test']), [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(pki.other.cert, 1, 1) }], /no TLSA record matches/, 'validation-failure'],
  ] as const)('%s: deferred 4.7.5 after one connection, no MAIL FROM, no retry in the clear', async (label, makeCert, tlsa, why, resultType) => {
    const cert = makeCert();
    const p = await peer(cert);
    const name = label.split(' ')[1] as string;
    const { domain, mx } = zone(name, p.port, { tlsa: tlsa as Tlsa });
    const { entry, log } = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(entry.status).toBe('deferred');
    expect(entry.reason).toMatch(/^4\.7\.5 DANE verification failed: /);
    expect(entry.reason).toMatch(why);
    expect(entry.tls).toMatchObject({ negotiated: true, verified: false });
    expect(entry.tls.dane).toMatch(/^failed: /);
    expect(p.connections).toBe(1);
    expect(p.mailFroms).toHaveLength(0);
    expect(log).toMatch(new RegExp(`DANE FAILED for ${mx}: .* \\[${resultType}\\]`));
    expect(log).toContain('TLS was required but could not be successfully negotiated');
  });

  it('D17: usable TLSA and STARTTLS not offered: deferred 4.7.5 (every DANE deferral is), nothing sent in the clear', async () => {
    const cert = pki.leaf(['mx.hidden.dane.test']);
    const p = await peer(cert, 'disabled');
    const { domain, mx } = zone('hidden', p.port, { tlsa: ee311(cert) });
    const { entry, log } = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(log).toMatch(new RegExp(`DANE FAILED for ${mx}: TLS is required, but was not offered .* \\[starttls-not-supported\\]`));
    expect(entry).toMatchObject({ status: 'deferred' });
    expect(entry.reason).toMatch(/^4\.7\.5 TLS is required, but was not offered/);
    expect(p.mailFroms).toHaveLength(0);
  });

  it('D18: usable TLSA and STARTTLS answered 454: deferred, nothing accepted', async () => {
    const cert = pki.leaf(['mx.refused.dane.test']);
    const server = await startScriptedSmtpServer({ starttls: 'refused-454', cert });
    closers.push(() => server.close());
    const { domain } = zone('refused', server.port, { tlsa: ee311(cert) });
    const { entry } = await run(domain, server.port, 'opportunistic', 'preferred');
    expect(entry.status).toBe('deferred');
    expect(entry.reason).toMatch(/^4\.7\.5 TLS is required, but host .* refused to start TLS/);
    expect(server.accepted).toHaveLength(0);
  });
  it('D17: usable TLSA and EHLO refused: deferred, no HELO and MAIL in the clear, the DANE failure logged and reported', async () => {
    const cert = pki.leaf(['mx.noehlo.dane.test']);
    const seen: string[] = [];
    const server = await startHostileServer(async (conn) => {
      conn.write('220 mx.noehlo.dane.test ESMTP\r\n');
      for (let line = await conn.readLine(); line !== null; line = await conn.readLine()) {
        seen.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'QUIT') {
          conn.write('221 bye\r\n');
          return;
        }
        conn.write(verb === 'EHLO' ? '502 5.5.2 EHLO not implemented\r\n' : verb === 'DATA' ? '354 go\r\n' : '250 ok\r\n');
      }
    });
    closers.push(() => server.close());
    const { domain, mx } = zone('noehlo', server.port, { tlsa: ee311(cert) });
    const { entry, log } = await run(domain, server.port, 'opportunistic', 'preferred');
    expect(entry.status).toBe('deferred');
    expect(entry.reason).toMatch(/^4\.7\.5 TLS is required, but the server refused EHLO/);
    expect(seen.filter((l) => /^(HELO|MAIL)/i.test(l))).toEqual([]);
    // docs/dane.md: one DANE line per DANE connection, and tls.dane whenever DANE governed the connection.
    expect(log).toMatch(new RegExp(`DCID \\d+ DANE FAILED for ${mx}: TLS is required, but the server refused EHLO: 502 5\\.5\\.2 EHLO not implemented \\[starttls-not-supported\\]`));
    expect(entry.tls.dane).toMatch(/^failed: /);
  });
});

describe('the SETUP alert (reference destconfig-reference §7.2: the Required family and DANE Mandatory)', () => {
  async function alertsFor(dane: DaneMode, tls: TlsMode, name: string): Promise<string[]> {
    const p = await peer(pki.leaf([`mx.${name}.dane.test`]));
    const { domain } = zone(name, p.port, { tlsa: [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(pki.other.cert, 1, 1) }] });
    const t = table(domain, dane, tls);
    t.globals.alertOnRequiredTlsFailure = true;
    const raised: string[] = [];
    const { entry } = await run(domain, p.port, dane, tls, { table: t, alerts: { requiredTlsFailed: (d) => void raised.push(d), flush: async () => undefined } });
    expect(entry.status).toBe('deferred');
    expect(p.mailFroms).toHaveLength(0);
    return raised;
  }

  it('DANE Mandatory under a Preferred row: a DANE failure raises the alert naming the domain', async () => {
    expect(await alertsFor('mandatory', 'preferred', 'alert-mandatory')).toEqual(['alert-mandatory.dane.test']);
  });

  it('DANE Opportunistic under a Preferred row raises none (never for Preferred)', async () => {
    expect(await alertsFor('opportunistic', 'preferred', 'alert-opportunistic')).toEqual([]);
  });
});

describe('no usable secure TLSA (D11-D16)', () => {
  const unusable: Tlsa = [
    { usage: 1, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) },
    { usage: 3, selector: 1, matchingType: 9, certificate: Buffer.alloc(32, 2) },
  ];

  it('D11 opportunistic: TLS required, certificate not checked; a server without STARTTLS is deferred', async () => {
    const cert = pki.leaf(['elsewhere.invalid']);
    const p = await peer(cert);
    const { domain, mx } = zone('unusable', p.port, { tlsa: unusable });
    const { entry, log } = await run(domain, p.port, 'opportunistic', 'no');
    expect(entry).toMatchObject({ status: 'delivered', tls: { negotiated: true, verified: false } });
    expect(entry.tls.dane).toMatch(/^encrypt/);
    expect(log).toContain(`DANE ${mx}: TLS required by unusable TLSA records, certificate not checked`);

    const hidden = await peer(cert, 'disabled');
    const z = zone('unusable-hidden', hidden.port, { tlsa: unusable });
    const second = await run(z.domain, hidden.port, 'opportunistic', 'preferred');
    expect(second.entry.status).toBe('deferred');
    expect(second.entry.reason).toMatch(/^4\.7\.5 /);
    expect(hidden.mailFroms).toHaveLength(0);
  });

  it('D11 mandatory: unusable TLSA defers without connecting', async () => {
    const p = await peer(pki.leaf(['x.invalid']));
    const { domain, mx } = zone('unusable-m', p.port, { tlsa: unusable });
    const { entry, log } = await run(domain, p.port, 'mandatory');
    expect(entry).toMatchObject({ status: 'deferred', attempts: 0 });
    expect(entry.reason).toMatch(/^4\.7\.5 DANE is mandatory, but the TLSA records of .* are unusable \(1 1 1 /);
    expect(p.connections).toBe(0);
    expect(log).toMatch(new RegExp(`DANE for ${mx}: DANE is mandatory, but the TLSA records .*; host skipped \\[tlsa-invalid\\]`));
  });

  it('D12: secure NXDOMAIN: the row\'s TLS setting (opportunistic) or a deferral (mandatory)', async () => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain } = zone('notlsa', p.port, { tlsa: 'nxdomain' });
    const opportunistic = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(opportunistic.entry).toMatchObject({ status: 'delivered', tls: { negotiated: false } });
    expect(opportunistic.log).toContain("no TLSA records found for");
    const mandatory = await run(domain, p.port, 'mandatory', 'preferred');
    expect(mandatory.entry.status).toBe('deferred');
    expect(mandatory.entry.reason).toMatch(/^4\.7\.5 DANE is mandatory, but no TLSA records found/);
    expect(mandatory.log).toMatch(/host skipped \[dane-required\]/);
    expect(p.connections).toBe(1);
  });

  it.each(MODES)('D13 %s: TLSA SERVFAIL: the host is skipped (TLSA lookup error), never used without DANE', async (mode) => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain, mx } = zone(`tlsabogus-${mode}`, p.port, { tlsa: 'servfail' });
    const { entry, log } = await run(domain, p.port, mode);
    expect(log).toMatch(/host skipped \[dnssec-invalid\]/);
    expect(entry.status).toBe('deferred');
    expect(entry.reason).toBe(`4.7.5 TLSA lookup error for ${mx}:${p.port}: SERVFAIL (EDE 9 DNSKEY Missing) (${mx} [127.0.0.1])`);
    expect(p.connections).toBe(0);
  });

  it('D14: an insecure host: no TLSA query, the row\'s setting (opportunistic); non DNSSEC destination (mandatory)', async () => {
    const cert = pki.leaf(['mx.insecure.dane.test']);
    const p = await peer(cert, 'disabled');
    const { domain, mx } = zone('insecure', p.port, { tlsa: ee311(cert), mxSecure: false, hostSecure: false, tlsaSecure: false });
    const opportunistic = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(opportunistic.entry).toMatchObject({ status: 'delivered', tls: { negotiated: false } });
    expect(dns.queries.filter((q) => q.includes(`TLSA _${p.port}._tcp.${mx}`))).toEqual([]);
    const mandatory = await run(domain, p.port, 'mandatory');
    expect(mandatory.entry.reason).toMatch(/^4\.7\.5 DANE is mandatory, but the MX records of insecure\.dane\.test are not DNSSEC-signed \(non DNSSEC destination\)/);
  });

  it('TLSA answered without AD is ignored like no TLSA', async () => {
    const cert = pki.leaf(['x.invalid']);
    const p = await peer(cert, 'disabled');
    const { domain } = zone('tlsa-insecure', p.port, { tlsa: ee311(pki.leaf(['y.invalid'])), tlsaSecure: false });
    const { entry, log } = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(entry).toMatchObject({ status: 'delivered', tls: { negotiated: false } });
    expect(log).toContain('are not DNSSEC-signed and are ignored');
  });

  it('D15: an insecure MX RRset pointing to a secure host with TLSA: DANE enforced, logged Trusted; mandatory defers', async () => {
    const cert = pki.leaf(['mx.tosecure.dane.test']);
    const p = await peer(cert);
    const { domain, mx } = zone('tosecure', p.port, { tlsa: ee311(cert), mxSecure: false });
    const { entry, log } = await run(domain, p.port, 'opportunistic', 'no');
    expect(entry).toMatchObject({ status: 'delivered', tls: { negotiated: true, verified: true } });
    expect(entry.tls.dane).toMatch(/^Trusted TLSA 3 1 1/);
    expect(log).toMatch(new RegExp(`DANE SUCCESS for ${mx}: Trusted`));
    const mandatory = await run(domain, p.port, 'mandatory');
    expect(mandatory.entry.status).toBe('deferred');
  });

  it('D16: MX SERVFAIL defers, no implicit MX or address lookup', async () => {
    dns.set('bogus.dane.test', { servfail: true });
    const { entry } = await run('bogus.dane.test', 25, 'opportunistic');
    expect(entry).toMatchObject({ status: 'deferred', attempts: 0 });
    expect(entry.reason).toMatch(/^4\.4\.3 DNS lookup of MX for bogus\.dane\.test failed: SERVFAIL/);
    expect(dns.queries.filter((q) => q === 'A bogus.dane.test' || q === 'AAAA bogus.dane.test')).toEqual([]);
  });
});

describe('CNAME-aliased MX hosts (N9; RFC 7672 §2.2.3)', () => {
  function aliased(name: string, port: number, targetSecure: boolean, tlsaAt: 'expanded' | 'original', cert: IssuedCert) {
    const domain = `${name}.dane.test`;
    const mx = `mx.${domain}`;
    const host = `host.${name}.provider.test`;
    dns.set(domain, { mx: [{ preference: 10, exchange: mx }], ad: true });
    dns.set(mx, { cname: host, ad: true });
    dns.set(host, { a: ['127.0.0.1'], ad: targetSecure });
    dns.set(`_${port}._tcp.${tlsaAt === 'expanded' ? host : mx}`, { tlsa: ee311(cert), ad: true });
    dns.set(`_${port}._tcp.${tlsaAt === 'expanded' ? mx : host}`, { nxdomain: true, ad: true });
    return { domain, mx, host };
  }

  it('a secure chain: TLSA at the expanded name first, which is then the SNI', async () => {
    const cert = pki.leaf(['x.invalid']);
    const p = await peer(cert);
    const { domain, host } = aliased('cname', p.port, true, 'expanded', cert);
    const { entry, log } = await run(domain, p.port, 'mandatory');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true } });
    expect(p.messages[0]?.servername).toBe(host);
    expect(log).toContain(`usable TLSA record for ${host}:${p.port} (CNAME of mx.cname.dane.test)`);
  });

  it('no TLSA at the expanded name: the name as published', async () => {
    const cert = pki.leaf(['x.invalid']);
    const p = await peer(cert);
    const { domain, mx, host } = aliased('cname-orig', p.port, true, 'original', cert);
    const { entry } = await run(domain, p.port, 'mandatory');
    expect(entry).toMatchObject({ status: 'delivered', tls: { verified: true } });
    expect(p.messages[0]?.servername).toBe(mx);
    expect(dns.queries).toEqual(expect.arrayContaining([`TLSA _${p.port}._tcp.${host}`, `TLSA _${p.port}._tcp.${mx}`]));
  });

  it('a chain with an insecure link is insecure: no TLSA query, mandatory defers', async () => {
    const cert = pki.leaf(['x.invalid']);
    const p = await peer(cert, 'disabled');
    const { domain, mx, host } = aliased('cname-insecure', p.port, false, 'expanded', cert);
    const { entry } = await run(domain, p.port, 'mandatory');
    expect(entry.reason).toMatch(/non DNSSEC destination/);
    expect(dns.queries.filter((q) => q.startsWith('TLSA') && (q.endsWith(host) || q.endsWith(mx)))).toEqual([]);
    expect((await run(domain, p.port, 'opportunistic', 'preferred')).entry.status).toBe('delivered');
  });
});

describe('several hosts, the resolver, sessions (D19-D22)', () => {
  it('D19: first MX with a TLSA lookup error is skipped, the second (DANE) carries the mail', async () => {
    const cert = pki.leaf(['mx2.twomx.dane.test']);
    const p = await peer(cert);
    dns.set('twomx.dane.test', { mx: [{ preference: 10, exchange: 'mx1.twomx.dane.test' }, { preference: 20, exchange: 'mx2.twomx.dane.test' }], ad: true });
    dns.set('mx1.twomx.dane.test', { a: ['127.0.0.1'], ad: true });
    dns.set('mx2.twomx.dane.test', { a: ['127.0.0.1'], ad: true });
    dns.set(`_${p.port}._tcp.mx1.twomx.dane.test`, { servfail: true });
    dns.set(`_${p.port}._tcp.mx2.twomx.dane.test`, { tlsa: ee311(cert), ad: true });
    const { entry, log } = await run('twomx.dane.test', p.port, 'mandatory');
    expect(entry).toMatchObject({ status: 'delivered', mxHost: 'mx2.twomx.dane.test', attempts: 1 });
    expect(p.connections).toBe(1);
    expect(log).toContain('DANE for mx1.twomx.dane.test: TLSA lookup error');
  });

  it('D20: the resolver does not answer: a lookup error, never "no TLSA"', async () => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain } = zone('noresolver', p.port, { tlsa: 'nxdomain' });
    dns.set(domain, { mx: [{ preference: 10, exchange: `mx.${domain}` }] });
    const silent = await startDnsServer(() => ({ silent: true }));
    closers.push(() => silent.close());
    const dane = new DaneResolver({ dns: new SecureDns({ server: silent.address, timeoutMs: 300, tries: 1 }) });
    const { entry } = await run(domain, p.port, 'opportunistic', 'preferred', { dane });
    expect(entry.status).toBe('deferred');
    expect(entry.reason).toMatch(/^4\.7\.5 MX lookup error for noresolver\.dane\.test: timed out/);
    expect(p.connections).toBe(0);
  });

  it('D21: a resolver off loopback is not trusted: opportunistic falls back to the row, mandatory defers naming it', async () => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain } = zone('offloopback', p.port, { tlsa: 'nxdomain' });
    const dane = new DaneResolver({ dns: new SecureDns({ server: '192.0.2.53', timeoutMs: 300, tries: 1 }) });
    const opportunistic = await run(domain, p.port, 'opportunistic', 'preferred', { dane });
    expect(opportunistic.entry.status).toBe('delivered');
    const mandatory = await run(domain, p.port, 'mandatory', 'preferred', { dane });
    expect(mandatory.entry.reason).toMatch(/^4\.7\.5 DANE is mandatory, but the resolver 192\.0\.2\.53:53 is not on loopback/);
  });

  it('D21: a resolver that never sets AD: DANE does not apply, and the run ends with a warning saying so', async () => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain } = zone('novalidation', p.port, { mxSecure: false, hostSecure: false });
    const insecure = await run(domain, p.port, 'opportunistic', 'preferred');
    expect(insecure.entry.status).toBe('delivered');
    expect(insecure.resolver.validationWarning()).toMatch(/gave no DNSSEC-validated \(AD\) answer in this run: DNSSEC validation may be unavailable/);
    const cert = pki.leaf(['mx.validated.dane.test']);
    const q = await peer(cert);
    const validated = zone('validated', q.port, { tlsa: ee311(cert) });
    expect((await run(validated.domain, q.port, 'opportunistic')).resolver.validationWarning()).toBeNull();
  });

  it('mandatory without any DANE resolver in the run defers; opportunistic goes on', async () => {
    const p = await peer(pki.leaf(['x.invalid']), 'disabled');
    const { domain } = zone('noresolver2', p.port, {});
    const { entry } = await run(domain, p.port, 'mandatory', 'preferred', { dane: undefined });
    expect(entry.reason).toMatch(/no DNSSEC-validating resolver is configured/);
    expect((await run(domain, p.port, 'opportunistic', 'preferred', { dane: undefined })).entry.status).toBe('delivered');
  });

  it('D22: a DANE session is neither cached nor resumed: every connection is matched again', async () => {
    const cert = pki.leaf(['mx.resume.dane.test']);
    const p = await peer(cert);
    const { domain } = zone('resume', p.port, { tlsa: ee311(cert) });
    const cache = new TlsSessionCache();
    const connector = createConnector({ sessionCache: cache });
    const first = await run(domain, p.port, 'opportunistic', 'preferred', { connector });
    const second = await run(domain, p.port, 'opportunistic', 'preferred', { connector });
    expect([first.entry.tls.dane, second.entry.tls.dane]).toEqual([expect.stringMatching(/^Verified/), expect.stringMatching(/^Verified/)]);
    expect(cache.size).toBe(0);
    expect(p.connections).toBe(2);
  });
});
