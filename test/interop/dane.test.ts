// DANE against a real validating resolver (reference §3, §6.1): scripts/dane-rig.sh signs zones under
// dane.test with ldns-signzone and serves and validates them with Debian's unbound on loopback; the built
// `destconfig deliver` resolves through it (--dns-server) and delivers to an SMTP server on loopback that
// picks its certificate by SNI. One run per DANE setting carries a message to every case of the rig.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryReport, RecipientReport } from '../../src/delivery/types.js';
import { DESTCONFIG, tableFile } from './helpers/destconfig.js';
import { runTool } from './helpers/tools.js';

const run = promisify(execFile);
const RIG = new URL('../../scripts/dane-rig.sh', import.meta.url).pathname;
const TOOLS = ['unbound', 'ldns-signzone', 'ldns-keygen'];

async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const t of TOOLS) await run('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).catch(() => missing.push(t));
  return missing;
}

const missing = await missingTools();
if (missing.length > 0 && process.env.CI === 'true') throw new Error(`DANE rig tools missing (${missing.join(', ')}; Debian: apt-get install unbound ldnsutils): a failure under CI=true`);

interface Rig {
  base: string;
  dnsServer: string;
  smtpPort: number;
  pki: string;
}

type Expect = { status: 'delivered'; dane?: RegExp; negotiated: boolean } | { status: 'deferred'; reason: RegExp };
const dane = (re: RegExp): Expect => ({ status: 'delivered', dane: re, negotiated: true });
const deferred = (reason: RegExp): Expect => ({ status: 'deferred', reason });
const VERIFIED = /^Verified TLSA /;
const FAILED = /^4\.7\.5 DANE verification failed: /;

/** The rig's destinations and what each DANE setting must make of them (row TLS Preferred). */
const CASES: Record<string, { opportunistic: Expect; mandatory: Expect }> = {
  'ee.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'ee512.secure.dane.test': { opportunistic: dane(/^Verified TLSA 3 1 2 /), mandatory: dane(VERIFIED) },
  'eecert.secure.dane.test': { opportunistic: dane(/^Verified TLSA 3 0 1 /), mandatory: dane(VERIFIED) },
  'big.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'ta.secure.dane.test': { opportunistic: dane(/^Verified TLSA 2 0 1 /), mandatory: dane(VERIFIED) },
  'taspki.secure.dane.test': { opportunistic: dane(/^Verified TLSA 2 1 1 /), mandatory: dane(VERIFIED) },
  'tanexthop.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'eebadname.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'expiredee.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'tabadname.secure.dane.test': { opportunistic: deferred(FAILED), mandatory: deferred(FAILED) },
  'expiredta.secure.dane.test': { opportunistic: deferred(FAILED), mandatory: deferred(FAILED) },
  'nomatch.secure.dane.test': { opportunistic: deferred(FAILED), mandatory: deferred(FAILED) },
  'unusable.secure.dane.test': { opportunistic: dane(/^encrypt/), mandatory: deferred(/^4\.7\.5 DANE is mandatory, but the TLSA records .* are unusable/) },
  'notlsa.secure.dane.test': { opportunistic: { status: 'delivered', negotiated: true }, mandatory: deferred(/^4\.7\.5 DANE is mandatory, but no TLSA records found/) },
  'tlsabogus.secure.dane.test': { opportunistic: deferred(/^4\.7\.5 TLSA lookup error for mx-tlsabogus\.secure\.dane\.test:\d+: SERVFAIL/), mandatory: deferred(/TLSA lookup error/) },
  'insecure.dane.test': { opportunistic: { status: 'delivered', negotiated: true }, mandatory: deferred(/non DNSSEC destination/) },
  'tosecure.insecure.dane.test': { opportunistic: dane(/^Trusted TLSA 3 1 1 /), mandatory: deferred(/MX records of tosecure\.insecure\.dane\.test are not DNSSEC-signed/) },
  // D19: the first MX is skipped (TLSA lookup error), the second carries the mail under DANE.
  'twomx.secure.dane.test': { opportunistic: dane(VERIFIED), mandatory: dane(VERIFIED) },
  'bogus.dane.test': { opportunistic: deferred(/^4\.4\.3 DNS lookup of MX for bogus\.dane\.test failed: SERVFAIL/), mandatory: deferred(/^4\.4\.3 /) },
};

/** The Default row at TLS Preferred with the DANE setting (every case inherits it); the section goes on after its blank line. */
function table(mode: 'opportunistic' | 'mandatory'): string {
  return `${tableFile('preferred', {})}dane_option = ${mode}\n`;
}

describe.skipIf(missing.length > 0)('DANE against unbound validating signed zones (scripts/dane-rig.sh)', () => {
  let rig: Rig;
  let base: string | undefined;
  let server: SMTPServer | undefined;
  const received: { to: string[]; servername?: string; secure: boolean }[] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'destconfig-dane-'));
    await run(RIG, ['start'], { env: { ...process.env, BASE: base }, timeout: 60_000 });
    const env = Object.fromEntries(readFileSync(join(base, 'rig.env'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
    rig = { base, dnsServer: env.DANE_DNS_SERVER as string, smtpPort: Number(env.DANE_SMTP_PORT), pki: env.DANE_PKI as string };
    const pem = (name: string): { key: string; cert: string } => ({
      key: readFileSync(join(rig.pki, `${name}.key`), 'utf8'),
      cert: readFileSync(join(rig.pki, `${name}.crt`), 'utf8') + readFileSync(join(rig.pki, 'ca.crt'), 'utf8'),
    });
    const sni = new Map<string, { key: string; cert: string }>([
      ['mx-tanexthop.secure.dane.test', pem('nexthop')],
      ['mx-tabadname.secure.dane.test', pem('wrongname')],
      ['mx-eebadname.secure.dane.test', pem('wrongname')],
      ['mx-expiredee.secure.dane.test', pem('expired')],
      ['mx-expiredta.secure.dane.test', pem('expired')],
    ]);
    const smtp = new SMTPServer({
      ...pem('mx'),
      sniOptions: sni,
      authOptional: true,
      disabledCommands: ['AUTH'],
      disableReverseLookup: true,
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), servername: session.servername || undefined, secure: session.secure });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(rig.smtpPort, '127.0.0.1', () => resolve());
    });
    server = smtp;
    expect((smtp.server.address() as AddressInfo).port).toBe(rig.smtpPort);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    // Stopped by the pid file of this run's folder, also when the start failed half-way.
    if (base) {
      await run(RIG, ['stop'], { env: { ...process.env, BASE: base } });
      if (!process.env.PEERS_KEEP) rmSync(base, { recursive: true, force: true });
    }
  });

  async function deliverAll(mode: 'opportunistic' | 'mandatory'): Promise<{ report: DeliveryReport; mailLog: string }> {
    const home = mkdtempSync(join(rig.base, `home-${mode}-`));
    writeFileSync(join(home, 'table.txt'), table(mode));
    const imported = await runTool(DESTCONFIG, ['--home', home, 'import', join(home, 'table.txt')]);
    expect(imported.code, imported.output).toBe(0);
    const args = ['--home', home, 'deliver', '--from', 'sender@client.test', '--dns-server', rig.dnsServer, '--port', String(rig.smtpPort), '--json'];
    for (const domain of Object.keys(CASES)) args.push('--to', `bob@${domain}`);
    const r = await runTool(DESTCONFIG, [...args, '-'], { input: 'Subject: dane interop\r\n\r\nhello\r\n', timeoutMs: 50_000 });
    expect([0, 75], r.output).toContain(r.code);
    return { report: JSON.parse(r.stdout) as DeliveryReport, mailLog: readFileSync(join(home, 'mail.log'), 'utf8') };
  }

  function check(entries: RecipientReport[], mode: 'opportunistic' | 'mandatory'): void {
    for (const [domain, want] of Object.entries(CASES)) {
      const entry = entries.find((e) => e.address === `bob@${domain}`);
      const expected = want[mode];
      const why = `${mode} ${domain}: ${JSON.stringify(entry)}`;
      expect(entry?.status, why).toBe(expected.status);
      if (expected.status === 'deferred') expect(entry?.reason, why).toMatch(expected.reason);
      else {
        expect(entry?.tls.negotiated, why).toBe(expected.negotiated);
        if (expected.dane) expect(entry?.tls.dane, why).toMatch(expected.dane);
        else expect(entry?.tls.dane, why).toBeUndefined();
      }
    }
  }

  it('Opportunistic: DANE where usable secure TLSA exists, the row elsewhere, lookup errors deferred (D1-D16)', async () => {
    const { report, mailLog } = await deliverAll('opportunistic');
    check(report.recipients, 'opportunistic');
    // SNI is the TLSA base domain (RFC 7672 §8.1), and the DANE cases arrived over TLS.
    expect(received.find((m) => m.to.includes('bob@ee.secure.dane.test'))).toMatchObject({ secure: true, servername: 'mx-ee.secure.dane.test' });
    expect(mailLog).toMatch(/DANE SUCCESS for mx-ee\.secure\.dane\.test: Verified TLSA 3 1 1 /);
    expect(mailLog).not.toContain('DNSSEC validation may be unavailable');
    expect(report.recipients.find((e) => e.address === 'bob@twomx.secure.dane.test')).toMatchObject({ mxHost: 'mx-ee.secure.dane.test', attempts: 1 });
    expect(mailLog).toMatch(/DANE SUCCESS for mx-ee\.secure\.dane\.test: Trusted TLSA 3 1 1 /);
    // The insecure host got no TLSA query (its TLSA, of another key, would have failed the delivery).
    const queries = readFileSync(join(rig.base, 'unbound', 'unbound.log'), 'utf8');
    expect(queries).toContain('mx.insecure.dane.test. A IN');
    expect(queries).not.toMatch(/_\d+\._tcp\.mx\.insecure\.dane\.test\. TLSA IN/);
  });

  it('Mandatory: only DANE-authenticated hosts get mail, everything else is deferred', async () => {
    const before = received.length;
    const { report } = await deliverAll('mandatory');
    check(report.recipients, 'mandatory');
    const delivered = received.slice(before);
    expect(delivered.every((m) => m.secure)).toBe(true);
  });

  it('daneverify through the validating resolver: SUCCESS for a matching TLSA, FAILED for a mismatch and a bogus TLSA RRset', async () => {
    const verify = (domain: string) => runTool(DESTCONFIG, ['daneverify', domain, '--dns-server', rig.dnsServer, '--port', String(rig.smtpPort)], { timeoutMs: 50_000 });
    const ok = await verify('ee.secure.dane.test');
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toContain('MX ee.secure.dane.test: 1 record, DNSSEC secure (AD)');
    expect(ok.stdout).toMatch(/DANE SUCCESS for ee\.secure\.dane\.test\n$/);
    expect(ok.stderr).toBe('');
    const nomatch = await verify('nomatch.secure.dane.test');
    expect(nomatch.code, nomatch.output).toBe(1);
    expect(nomatch.stdout).toMatch(/DANE FAILED for nomatch\.secure\.dane\.test: .*DANE verification failed/);
    const bogus = await verify('tlsabogus.secure.dane.test');
    expect(bogus.code, bogus.output).toBe(1);
    expect(bogus.stdout).toMatch(/DANE FAILED for tlsabogus\.secure\.dane\.test: .*TLSA lookup error .*SERVFAIL/);
  });
});
