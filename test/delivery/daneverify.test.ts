// `bin/destconfig daneverify` as a user runs it: the in-process DNS server as the loopback validating
// resolver (it sets AD where the zone says so and answers TLSA), real TLS servers on loopback with the DANE
// test certificates, the output lines, the warnings on stderr and the exit status.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDaneVerify } from '../../src/delivery/daneverify.js';
import { danePki } from '../helpers/dane-pki.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { runTool } from '../interop/helpers/tools.js';

const BIN = fileURLToPath(new URL('../../bin/destconfig', import.meta.url));
const pki = danePki();
const eeCert = pki.leaf(['mx.signed.test']);
const taCert = pki.leaf(['mx.ta.test'], { viaIntermediate: true });
let dns: TestDnsServer;
let ee: SmtpPeer;
let ta: SmtpPeer;
let home: string;

/** A secure domain with one MX `mx.NAME` on 127.0.0.1 and, when given, TLSA records at the peer's port. */
function signedDomain(name: string, port: number, tlsa?: { usage: number; selector: number; matchingType: number; certificate: Buffer }[]) {
  return {
    [name]: { mx: [{ preference: 10, exchange: `mx.${name}` }], ad: true },
    [`mx.${name}`]: { a: ['127.0.0.1'], ad: true },
    ...(tlsa ? { [`_${port}._tcp.mx.${name}`]: { tlsa, ad: true } } : {}),
  };
}

beforeAll(async () => {
  ee = await startSmtpPeer({ starttls: 'offered', cert: eeCert });
  ta = await startSmtpPeer({ starttls: 'offered', cert: taCert });
  dns = await startDnsServer({
    ...signedDomain('signed.test', ee.port, [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(eeCert.cert, 1, 1) }]),
    ...signedDomain('mismatch.test', ee.port, [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(pki.other.cert, 1, 1) }]),
    ...signedDomain('notlsa.test', ee.port, []),
    ...signedDomain('ta.test', ta.port, [
      // A PKIX-EE record is shown but unusable for SMTP; the DANE-TA one names the test CA.
      { usage: 1, selector: 1, matchingType: 1, certificate: pki.data(taCert.cert, 1, 1) },
      { usage: 2, selector: 0, matchingType: 1, certificate: pki.data(pki.caCert, 0, 1) },
    ]),
    'unsigned.test': { mx: [{ preference: 10, exchange: 'mx.unsigned.test' }] },
    'mx.unsigned.test': { a: ['127.0.0.1'] },
    [`_${ee.port}._tcp.mx.unsigned.test`]: { tlsa: [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(eeCert.cert, 1, 1) }] },
  });
  home = os.tmpdir();
});
afterAll(async () => {
  await Promise.all([dns.close(), ee.close(), ta.close()]);
});

function daneverify(args: string[]) {
  return runTool(process.execPath, [BIN, '--home', home, 'daneverify', ...args]);
}

describe('destconfig daneverify', () => {
  it('DANE-EE TLSA matching the certificate: the lookups, the record, the match, DANE SUCCESS and exit 0', async () => {
    const run = await daneverify(['signed.test', '--dns-server', dns.address, '--port', String(ee.port), '--helo', 'client.test']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('MX signed.test: 1 record, DNSSEC secure (AD)');
    expect(run.stdout).toContain('A mx.signed.test: 1 record, DNSSEC secure (AD)');
    expect(run.stdout).toMatch(new RegExp(`TLSA _${ee.port}\\._tcp\\.mx\\.signed\\.test: 1 record, DNSSEC secure \\(AD\\)\\n    3 1 1 [0-9a-f]{16}\\.\\.\\.  DANE-EE\\(3\\) SPKI\\(1\\) SHA2-256\\(1\\): usable`));
    expect(run.stdout).toContain('STARTTLS: 220');
    expect(run.stdout).toContain('TLSA match: DANE-EE(3) 3 1 1 ');
    expect(run.stdout).toMatch(/mx\.signed\.test \[127\.0\.0\.1\] port \d+: Verified TLS connection, DANE-EE TLSA 3 1 1 [0-9a-f]{16}\.\.\. matched\nDANE SUCCESS for signed\.test\n$/);
  });

  it('HOST[:PORT] given: that host is checked, not the MX', async () => {
    const run = await daneverify(['signed.test', `mx.signed.test:${ee.port}`, '--dns-server', dns.address]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('Looking up MX records');
    expect(run.stdout).toMatch(/DANE SUCCESS for signed\.test\n$/);
  });

  it('DANE-TA through an intermediate, beside an unusable PKIX-EE record: success, the unusable record shown as such', async () => {
    const run = await daneverify(['ta.test', '--dns-server', dns.address, '--port', String(ta.port)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ {4}1 1 1 [0-9a-f]{16}\.\.\. {2}PKIX-EE\(1\) SPKI\(1\) SHA2-256\(1\): unusable for SMTP/);
    expect(run.stdout).toMatch(/ {4}2 0 1 [0-9a-f]{16}\.\.\. {2}DANE-TA\(2\) Cert\(0\) SHA2-256\(1\): usable/);
    expect(run.stdout).toContain('TLSA match: DANE-TA(2) 2 0 1 ');
    expect(run.stdout).toContain('the certificate names mx.ta.test');
    expect(run.stdout).toMatch(/DANE SUCCESS for ta\.test\n$/);
  });

  it('TLSA that matches no certificate of the chain: DANE FAILED with the reason, exit 1', async () => {
    const run = await daneverify(['mismatch.test', '--dns-server', dns.address, '--port', String(ee.port)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Peer certificate:');
    expect(run.stdout).toMatch(/DANE FAILED for mismatch\.test: mx\.mismatch\.test: DANE verification failed: no TLSA record matches the server certificate chain\n$/);
    expect(run.stdout).not.toContain('DANE SUCCESS');
  });

  it('a secure host without TLSA records: DANE FAILED, no connection made, exit 1', async () => {
    const before = ee.connections;
    const run = await daneverify(['notlsa.test', '--dns-server', dns.address, '--port', String(ee.port)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`TLSA _${ee.port}._tcp.mx.notlsa.test: no records, DNSSEC secure (AD)`);
    expect(run.stdout).toMatch(new RegExp(`DANE FAILED for notlsa\\.test: mx\\.notlsa\\.test: no TLSA records found for mx\\.notlsa\\.test:${ee.port}\\n$`));
    expect(run.stdout).not.toContain('Connecting to');
    expect(ee.connections).toBe(before);
  });

  it('a resolver that never sets AD: a clear warning on stderr, the TLSA records are not even asked for, exit 1', async () => {
    const run = await daneverify(['unsigned.test', '--dns-server', dns.address, '--port', String(ee.port)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('A mx.unsigned.test: 1 record, insecure (no AD)');
    expect(run.stdout).not.toContain('TLSA _');
    expect(run.stderr).toMatch(/^destconfig: Warning: the resolver 127\.0\.0\.1:\d+ gave no DNSSEC-validated \(AD\) answer at all: it may not validate DNSSEC/);
    expect(run.stdout).toMatch(/DANE FAILED for unsigned\.test: mx\.unsigned\.test: the address records of mx\.unsigned\.test are not DNSSEC-signed/);
  });

  it('bad input: an invalid domain, --dns-server or host is status 2 naming it, with nothing looked up', async () => {
    const queries = dns.queries.length;
    for (const [args, message] of [
      [['bad..domain', '--dns-server', dns.address], 'destconfig: Invalid domain "bad..domain".'],
      [['signed.test', '--dns-server', 'not-an-address'], 'destconfig: --dns-server must be an IP address'],
      [['signed.test', 'mx.signed.test:99999', '--dns-server', dns.address], 'destconfig: Invalid host "mx.signed.test:99999"'],
      [['signed.test', '--port', '0', '--dns-server', dns.address], 'destconfig: --port must be a whole number from 1 to 65535'],
    ] as const) {
      const run = await daneverify([...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).not.toContain('DANE SUCCESS');
    }
    expect(dns.queries.length).toBe(queries);
  });

  it('--help tells the verdict lines and the exit statuses', async () => {
    const run = await daneverify(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: destconfig daneverify [options] <domain> [host]');
    expect(run.stdout).toContain('Exit status: 0 a mail exchanger was DANE-authenticated; 1 none was; 2 usage.');
  });
});

describe('runDaneVerify without the detailed steps (the ESA> prompt answered N)', () => {
  it('prints only the per-host result and the verdict', async () => {
    const lines: string[] = [];
    const status = await runDaneVerify({ domain: 'signed.test', dnsServers: [dns.address], port: ee.port, detail: false, print: (line) => lines.push(line) });
    expect(status).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^mx\.signed\.test \[127\.0\.0\.1\] port \d+: Verified TLS connection, DANE-EE TLSA 3 1 1 /), 'DANE SUCCESS for signed.test']);
  });
});
