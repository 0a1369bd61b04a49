// `deliver --batch` reads each message file when its transaction is sent (message-source.ts). A file
// deleted after the batch was checked, before its transaction: that message's recipients are deferred
// with a reason naming the file, the connection and every other message carry on, the report and the
// mail log say so, and the exit status is 75. Spawned `bin/destconfig` (the bundle: `npm test` builds it)
// against real SMTP servers on 127.0.0.1 and the in-process DNS server.
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blankEntry, type DestEntry } from '../../src/table/types.js';
import { startCountingSink } from '../helpers/counting-sink.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startPlainMx } from '../helpers/plain-mx.js';
import { parseReport, runDeliverBatch, tableHome } from '../load/batch.js';

let dns: TestDnsServer;
let work: string;
let home: string;
let batch: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
});
afterAll(() => dns.close());
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'batch-send-time-'));
  home = path.join(work, 'home');
  batch = path.join(work, 'batch');
  await mkdir(batch);
  for (let i = 0; i < 3; i++) {
    await writeFile(path.join(batch, `m${i}.eml`), `Subject: message ${i}\r\n\r\nbody ${i}\r\n`);
    await writeFile(path.join(batch, `m${i}.json`), JSON.stringify({ from: 'a@sender.test', to: [`u${i}@example.test`] }));
  }
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await rm(work, { recursive: true, force: true });
});

/** One connection at a time to example.test, at most two messages on it, plus what a test adds. */
async function commitRow(adjust: (e: DestEntry) => void = () => undefined): Promise<void> {
  await tableHome(home, (t) => {
    const e = blankEntry('example.test');
    e.maxConcurrency = 1;
    e.maxMessagesPerConnection = 2;
    adjust(e);
    t.entries.set(e.destination, e);
  });
}

async function deliverBatch(port: number): Promise<{ status: number | null; stdout: string; stderr: string; log: string }> {
  const logFile = path.join(work, 'mail.log');
  const run = await runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: port, log: logFile }).done;
  return { ...run, log: await readFile(logFile, 'utf8') };
}

/** What the run must show when m1.eml was gone by the time its transaction was to start. */
function expectM1Deferred(run: { status: number | null; stdout: string; stderr: string; log: string }): void {
  const m1 = path.join(batch, 'm1.eml');
  const reason = `4.3.0 cannot read message ${m1}: ENOENT: no such file or directory`;
  expect(run.stderr).toBe('');
  expect(run.status).toBe(75);
  const report = parseReport(run.stdout, run.stderr);
  expect(report.summary).toEqual({ delivered: 2, deferred: 1, bounced: 0 });
  expect(report.recipients.map((r) => [path.basename(r.message), r.status])).toEqual([
    ['m0.eml', 'delivered'],
    ['m1.eml', 'deferred'],
    ['m2.eml', 'delivered'],
  ]);
  // No server decided it, and it was never sent: no reply, no connection, no attempt.
  expect(report.recipients[1]).toMatchObject({ reason, reply: null, mxHost: null, ip: null, attempts: 0 });
  const events = run.log.split('\n').filter(Boolean).map((l) => l.replace(/^.*? Info: /, ''));
  expect(events).toContain(`Delayed: MID 2 to RID 0 - ${reason}`);
  expect(events.filter((e) => e.startsWith('Delivery start')).map((e) => e.replace(/ DCID \d+/, ''))).toEqual(['Delivery start MID 1 to RID [0]', 'Delivery start MID 3 to RID [0]']);
}

describe('deliver --batch reads each message when it is sent', () => {
  it('a file deleted after the batch was checked defers its message; the others go on the same connection (exit 75)', async () => {
    // Under a recipient limit of 2: the unread message's admission is given back, so m2 is admitted.
    await commitRow((e) => (e.recipientLimit = { limit: 2, minutes: 60 }));
    let deleted = false;
    // A server without PIPELINING: m1 is read only after m0's final dot is answered, and m0's data is in
    // before m1.eml goes.
    const server = await startPlainMx(async () => {
      if (!deleted) {
        deleted = true;
        await unlink(path.join(batch, 'm1.eml'));
      }
      return 'accept';
    });
    closers.push(() => server.close());
    const run = await deliverBatch(server.port);
    expectM1Deferred(run);
    expect(server.mails).toBe(2);
    // Two messages per connection: the unread one did not take a place on it.
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]?.clearText).toContain('Subject: message 2');
  });

  it('a pipelined next message that cannot be read is not reserved: sent as its own job, it is deferred; nothing lost or counted twice', async () => {
    await commitRow();
    // smtp-server offers PIPELINING: while m0 is sent, m1 is read to go out behind it. The greeting is
    // held until m1.eml is gone, so that read fails.
    const sink = await startCountingSink({ beforeGreeting: () => unlink(path.join(batch, 'm1.eml')) });
    closers.push(() => sink.close());
    const run = await deliverBatch(sink.port);
    expectM1Deferred(run);
    expect(sink.messages.map((m) => m.subject)).toEqual(['message 0', 'message 2']);
    // Two messages per connection, and both delivered messages went on the first: the failed
    // reservation gave its place back.
    expect(sink.connections).toBe(1);
  });
});
