// `bin/destconfig deliver` with DANE rows, spawned as a user runs it (the bundle loads the DNS client on
// demand): the committed row's DANE setting, the --dns-server as the validating resolver (the in-process
// server sets AD), the JSON report, the exit status and the mail log.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryReport } from '../../../src/delivery/types.js';
import { commitTable } from '../../../src/store/index.js';
import { blankEntry, emptyTable, type DaneMode } from '../../../src/table/types.js';
import { danePki } from '../../helpers/dane-pki.js';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../../helpers/smtp-peer.js';
import { runTool } from '../../interop/helpers/tools.js';

const BIN = fileURLToPath(new URL('../../../bin/destconfig', import.meta.url));
const pki = danePki();
const cert = pki.leaf(['mx.signed.test']);
let dns: TestDnsServer;
let peer: SmtpPeer;
let work: string;

beforeAll(async () => {
  peer = await startSmtpPeer({ starttls: 'offered', cert });
  dns = await startDnsServer({
    'signed.test': { mx: [{ preference: 10, exchange: 'mx.signed.test' }], ad: true },
    'mx.signed.test': { a: ['127.0.0.1'], ad: true },
    [`_${peer.port}._tcp.mx.signed.test`]: { tlsa: [{ usage: 3, selector: 1, matchingType: 1, certificate: pki.data(cert.cert, 1, 1) }], ad: true },
    'unsigned.test': { mx: [{ preference: 10, exchange: 'mx.unsigned.test' }] },
    'mx.unsigned.test': { a: ['127.0.0.1'] },
  });
  work = await mkdtemp(path.join(os.tmpdir(), 'dane-cli-'));
  await writeFile(path.join(work, 'm.eml'), 'Subject: dane\n\nhello\n');
});
afterAll(async () => {
  await Promise.all([dns.close(), peer.close(), rm(work, { recursive: true, force: true })]);
});

async function deliverTo(domain: string, dane: DaneMode) {
  const home = await mkdtemp(path.join(work, 'home-'));
  const t = emptyTable();
  t.entries.set(domain, { ...blankEntry(domain), dane, tls: 'preferred' });
  await commitTable(home, t, { baseRevision: 0, comment: 'dane test' });
  const run = await runTool(process.execPath, [BIN, '--home', home, 'deliver', '--dns-server', dns.address, '--port', String(peer.port), '--from', 'a@sender.test', '--to', `b@${domain}`, '--json', path.join(work, 'm.eml')]);
  return { ...run, report: JSON.parse(run.stdout) as DeliveryReport, mailLog: await readFile(path.join(home, 'mail.log'), 'utf8') };
}

describe('destconfig deliver with DANE rows', () => {
  it('Mandatory and a matching TLSA: delivered over TLS (exit 0), DANE in the report and the log', async () => {
    const run = await deliverTo('signed.test', 'mandatory');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report.recipients[0]?.tls).toMatchObject({ negotiated: true, verified: true, dane: expect.stringMatching(/^Verified TLSA 3 1 1 /) });
    expect(run.mailLog).toMatch(/Info: DCID \d+ DANE SUCCESS for mx\.signed\.test: Verified TLSA 3 1 1 /);
    expect(run.mailLog).not.toContain('Warning');
  });

  it('a resolver that never validates: Opportunistic delivers with a Warning in the log; Mandatory defers (exit 75)', async () => {
    const opportunistic = await deliverTo('unsigned.test', 'opportunistic');
    expect(opportunistic.code).toBe(0);
    expect(opportunistic.mailLog).toMatch(/Warning: DANE: the resolver 127\.0\.0\.1:\d+ gave no DNSSEC-validated \(AD\) answer in this run/);
    const mandatory = await deliverTo('unsigned.test', 'mandatory');
    expect(mandatory.code).toBe(75);
    expect(mandatory.report.recipients[0]?.reason).toMatch(/^4\.7\.5 DANE is mandatory, but the MX records of unsigned\.test are not DNSSEC-signed/);
  });
});
