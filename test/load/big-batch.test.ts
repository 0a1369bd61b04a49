// Bounded memory for a big batch (issue 6): 600 messages of about 500 KB each (300 MB of .eml files) to
// two domains through `destconfig deliver --batch`. A client that read the whole batch before sending
// would hold all 300 MB; one that reads each message when its job is sent holds only the messages in
// flight (a few connections, two messages each). The sink (smtp-server, in this process) counts the bytes
// of each message it accepts without keeping them, so the test also proves every message arrived whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blankEntry } from '../../src/table/types.js';
import { startCountingSink, type CountingSink } from '../helpers/counting-sink.js';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { parseReport, runDeliverBatch, tableHome } from './batch.js';

const MESSAGES = 600;
const MESSAGE_BYTES = 500_000;
const DOMAINS = ['big1.load.test', 'big2.load.test'];
const CONCURRENCY = 3;
const PER_CONNECTION = 50;
/** Far below the batch's 300 MB: what a client holding every message could never stay under. */
const RSS_LIMIT_MB = 200;

/** A message of exactly `size` bytes, CRLF line endings, its index in the Subject. */
function message(i: number, size: number): Buffer {
  const head = `From: <sender@origin.load.test>\r\nTo: <u${i}@${DOMAINS[i % DOMAINS.length]}>\r\nSubject: big ${i}\r\n\r\n`;
  const out = Buffer.alloc(size, 'x');
  out.write(head, 0, 'latin1');
  // A line break every 76 bytes after the head, and CRLF at the very end.
  for (let at = head.length + 74; at < size - 3; at += 76) out.write('\r\n', at, 'latin1');
  out.write('\r\n', size - 2, 'latin1');
  return out;
}

describe('deliver --batch of 300 MB: memory bounded by the messages in flight, not the batch', () => {
  let dir: string;
  let dns: TestDnsServer;
  let sink: CountingSink;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-big-batch-'));
    dns = await startDnsServer(loopbackZone({ isDomain: (name) => DOMAINS.includes(name) }));
    sink = await startCountingSink();
  });

  afterAll(async () => {
    await sink?.close();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every message whole and the client peak RSS stays far below the batch size', async () => {
    const home = path.join(dir, 'home');
    await tableHome(home, (t) => {
      for (const d of DOMAINS) {
        const e = blankEntry(d);
        e.maxConcurrency = CONCURRENCY;
        e.maxMessagesPerConnection = PER_CONNECTION;
        t.entries.set(d, e);
      }
    });
    const batch = path.join(dir, 'batch');
    mkdirSync(batch);
    const sizes: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const size = MESSAGE_BYTES + i;
      sizes.push(size);
      const name = `m${String(i).padStart(4, '0')}`;
      writeFileSync(path.join(batch, `${name}.eml`), message(i, size));
      writeFileSync(path.join(batch, `${name}.json`), JSON.stringify({ from: 'sender@origin.load.test', to: [`u${i}@${DOMAINS[i % DOMAINS.length]}`] }));
    }
    const batchMb = sizes.reduce((a, b) => a + b, 0) / 1024 / 1024;
    expect(batchMb).toBeGreaterThan(280);

    const run = await runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: sink.port, log: path.join(dir, 'mail.log') }).done;
    const report = parseReport(run.stdout, run.stderr);
    expect(report.summary, run.stderr).toEqual({ delivered: MESSAGES, deferred: 0, bounced: 0 });
    expect(run.status, run.stderr).toBe(0);
    // Every message reached the sink once and whole (its data, the terminator taken off, is the file).
    expect(sink.messages).toHaveLength(MESSAGES);
    const bytes = new Map(sink.messages.map((m) => [m.subject, m.bytes]));
    const wrong = sizes.flatMap((size, i) => (bytes.get(`big ${i}`) === size ? [] : [`message ${i}: ${bytes.get(`big ${i}`) ?? 'missing'} bytes, expected ${size}`]));
    expect(wrong.slice(0, 10)).toEqual([]);
    // The figure goes to the log of the run, for the report (never a timing assertion).
    console.log(`big batch: ${batchMb.toFixed(0)} MB of .eml files, client peak RSS ${run.maxRssMb.toFixed(0)} MB, ${(run.wallMs / 1000).toFixed(1)} s`);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 180_000);
});
