// `bin/destconfig deliver` when the SETUP alert cannot be written (<home>/alerts.log unwritable): the alert
// is a warning beside the delivery, so the run goes on, the report is printed, and the failure is named
// after it with status 1, as for a mail log that lost lines. Found in the delivery code review (29 Nov
// 2026): the failed append was a promise nobody awaited until the end, so Node ended the process on the
// unhandled rejection, in the middle of the run, without any report. Needs the bundle (`npm test` builds it).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitTable } from '../../src/store/index.js';
import type { DeliveryReport } from '../../src/delivery/types.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { destconfigAsync as destconfig } from '../cli/run.js';

let dns: TestDnsServer;
let work: string;
let home: string;
let peer: SmtpPeer;

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
});
afterAll(() => dns.close());
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'deliver-alerts-'));
  home = path.join(work, 'home');
  await writeFile(path.join(work, 'm.eml'), 'Subject: alert\n\nhello\n');
  peer = await startSmtpPeer({ starttls: 'disabled' });
});
afterEach(async () => {
  await peer.close();
  await rm(work, { recursive: true, force: true });
});

describe('destconfig deliver with an alert log that cannot be written', () => {
  it('finishes the run, prints the report, then names the alert log with status 1', async () => {
    const t = emptyTable();
    t.globals.alertOnRequiredTlsFailure = true;
    t.entries.set('example.test', { ...blankEntry('example.test'), tls: 'required' });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    // A directory where the alert log should be: every append fails (EISDIR), also as root.
    await mkdir(path.join(home, 'alerts.log'));
    const run = await destconfig([
      'deliver', '--home', home, '--dns-server', dns.address, '--port', String(peer.port), '--helo', 'client.sender.test',
      '--from', 'alice@sender.test', '--to', 'bob@example.test', '--to', 'carol@[127.0.0.1]', '--json', path.join(work, 'm.eml'),
    ]);
    expect(run.stderr).toMatch(/Warning: TLS negotiation failed for example\.test/);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.recipients.map((r) => [r.address, r.status])).toEqual([
      ['bob@example.test', 'deferred'],
      ['carol@[127.0.0.1]', 'delivered'],
    ]);
    expect(peer.messages).toHaveLength(1);
    expect(run.stderr).toContain(`destconfig: cannot write the alert log ${path.join(home, 'alerts.log')}: EISDIR`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace: a named failure, not a crash
    expect(run.status).toBe(1);
    // The run's state was saved: message ids go on counting in the next run.
    expect(JSON.parse(await readFile(path.join(home, 'delivery-state.json'), 'utf8'))).toMatchObject({ mid: 2 });
  });
});
