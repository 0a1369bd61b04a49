// Signals beyond the first SIGTERM (QA pass 5). A second SIGTERM or SIGINT while open transactions are
// finishing (Ctrl-C pressed twice, a supervisor that signals again) cuts what is still open at once, and the
// run still ends as after one signal: the report on stdout, status 75. (Before, the second signal met
// Node's default handler: the process died without a report, so a script could not know what had been
// delivered.) And a signal while the name server is silent interrupts the run: the recipients are deferred
// as interrupted (4.3.0), not after the lookups time out as DNS failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { parseReport, runDeliverBatch, shortTimeouts, tableHome, until, writeBatch } from './batch.js';
import { dialogue, startScripted, type ScriptedServer } from './scripted-server.js';

describe('deliver --batch and repeated or early signals', () => {
  let dir: string;
  let dns: TestDnsServer;
  let server: ScriptedServer;
  let held = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-signals-'));
    dns = await startDnsServer(loopbackZone({ isDomain: (name) => name.endsWith('.sig2.test') && !name.startsWith('mx.') }));
    dns.set('silent.sig2.test', { silent: true });
    // Never answers a final dot: each transaction stays open until the client gives up on it.
    server = await startScripted(dialogue({ onDot: async () => (held++, null) }));
  });

  afterAll(async () => {
    await server?.close();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [first, second] of [['SIGTERM', 'SIGTERM'], ['SIGINT', 'SIGINT']] as const) {
    it(`${first} then ${second}: the open transactions are cut, the report is written, status 75`, async () => {
      const home = path.join(dir, `home-${first}`);
      await tableHome(home, () => {});
      const batch = path.join(dir, `batch-${first}`);
      writeBatch(batch, [0, 1, 2, 3].map((k) => ({ from: 'sender@origin.test', to: [`u${k}@d${k % 2}.sig2.test`] })));
      const log = path.join(dir, `mail-${first}.log`);
      const before = held;
      // Time-outs far beyond the test: only the second signal can end the open transactions.
      const { child, done } = runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: server.port, log, extra: shortTimeouts({ data: 600 }) });
      await until('a transaction waiting for its final-dot reply', () => held > before, 30_000);
      child.kill(first);
      await until('the interruption in the mail log', () => existsSync(log) && /interrupted/.test(readFileSync(log, 'utf8')), 30_000);
      child.kill(second);
      const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const run = await done;
      clearTimeout(deadline);
      const report = parseReport(run.stdout, run.stderr);
      expect(report.recipients).toHaveLength(4);
      for (const r of report.recipients) {
        expect(r.status, r.address).toBe('deferred');
        expect(r.reason, r.address).toMatch(/^4\.\d\.\d /);
      }
      expect(run.status, run.stderr).toBe(75);
    }, 90_000);
  }

  it('SIGTERM while the name server is silent: deferred as interrupted, not as a DNS failure', async () => {
    const home = path.join(dir, 'home-dns');
    await tableHome(home, () => {});
    const batch = path.join(dir, 'batch-dns');
    writeBatch(batch, [{ from: 'sender@origin.test', to: ['u@silent.sig2.test'] }]);
    const log = path.join(dir, 'mail-dns.log');
    const { child, done } = runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: server.port, log, extra: shortTimeouts() });
    await until('the MX question', () => dns.queries.some((q) => q.includes('silent.sig2.test')), 30_000);
    child.kill('SIGTERM');
    const run = await done;
    const report = parseReport(run.stdout, run.stderr);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred', attempts: 0 });
    expect(report.recipients[0]?.reason).toMatch(/^4\.3\.0 .*interrupted/i);
    expect(run.status, run.stderr).toBe(75);
  }, 60_000);
});
