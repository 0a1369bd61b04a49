// SIGTERM during `deliver --batch`: the sink holds its reply to the final dot until the test has sent
// SIGTERM, so the signal lands at a known point, with one transaction open on each connection (two when
// the client pipelined the next message's envelope behind the data: that MAIL was sent before the
// signal, though the sink reads it only after its held reply). Then:
// no new transaction may start (the sink counts MAIL commands), the open ones must end cleanly (their
// 250 is taken and each connection ends with QUIT), the report must list every recipient (the
// unattempted ones deferred, with a reason), and the exit status must be 75.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blankEntry } from '../../src/table/types.js';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { parseReport, runDeliverBatch, shortTimeouts, tableHome, until, writeBatch, type BatchMessage } from './batch.js';
import { dialogue, startScripted, type ScriptConn, type ScriptedServer } from './scripted-server.js';

const DOMAINS = ['st1.sig.test', 'st2.sig.test'];
const PER_DOMAIN = 20;

describe('deliver --batch and SIGTERM', () => {
  let dir: string;
  let dns: TestDnsServer;
  let server: ScriptedServer;
  const held: (() => void)[] = [];
  const heldConns: ScriptConn[] = [];
  let released = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-sigterm-'));
    dns = await startDnsServer(loopbackZone({ isDomain: (name) => DOMAINS.includes(name) }));
    server = await startScripted(
      dialogue({
        onDot: async (conn) => {
          if (!released) {
            heldConns.push(conn);
            await new Promise<void>((resolve) => held.push(resolve));
          }
          return '250 2.0.0 Ok: queued';
        },
      }),
    );
  });

  afterAll(async () => {
    released = true;
    for (const r of held.splice(0)) r();
    await server?.close();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts no new transaction, ends open ones cleanly, reports the rest deferred, exits 75', async () => {
    const home = path.join(dir, 'home');
    await tableHome(home, (t) => {
      for (const d of DOMAINS) {
        const e = blankEntry(d);
        e.maxConcurrency = 1;
        e.limitType = 'domain';
        e.limitApply = 'system';
        t.entries.set(d, e);
      }
    });
    const messages: BatchMessage[] = [];
    for (let k = 0; k < PER_DOMAIN; k++) for (const d of DOMAINS) messages.push({ from: 'sender@origin.sig.test', to: [`u${k}@${d}`] });
    const batch = path.join(dir, 'batch');
    writeBatch(batch, messages);
    const log = path.join(dir, 'mail.log');
    // The data time-out is long here: the sink holds each final-dot reply until the test lets it go.
    const extra = shortTimeouts({ data: 60 });
    const { child, done } = runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: server.port, log, extra });

    // Both connections (one per domain) are now waiting for the reply to their first message's dot.
    await until('both connections to reach the end of their first message', () => held.length === DOMAINS.length, 30_000);
    child.kill('SIGTERM');
    // MAIL commands the client had sent by the signal: those the sink has read, and those waiting unread
    // behind a held final dot (pipelined with the data, so sent before the signal).
    const unreadMails = heldConns.reduce((n, c) => n + (c.unread.toString('latin1').match(/^MAIL FROM:/gim)?.length ?? 0), 0);
    const mailsAtSignal = server.record.mails.length + unreadMails;
    // Let the client take the signal before the sink answers: its mail log says when it has (or give it 3 s).
    await until('the interruption in the mail log', () => existsSync(log) && /SIGTERM|interrupt/i.test(readFileSync(log, 'utf8')), 3_000).catch(() => {});
    released = true;
    for (const r of held.splice(0)) r();

    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const run = await done;
    clearTimeout(deadline);

    expect(server.record.mails.length, 'MAIL commands after SIGTERM').toBe(mailsAtSignal);
    expect(server.record.quits, 'connections ended with QUIT').toBe(server.record.connections);

    const report = parseReport(run.stdout, run.stderr);
    expect(report.recipients).toHaveLength(messages.length);
    const delivered = report.recipients.filter((r) => r.status === 'delivered').map((r) => r.address);
    expect(delivered.sort()).toEqual([...server.record.accepted].sort());
    expect(delivered.length).toBeGreaterThanOrEqual(DOMAINS.length);
    const rest = report.recipients.filter((r) => r.status !== 'delivered');
    expect(rest.length).toBe(messages.length - delivered.length);
    for (const r of rest) {
      expect(r.status, r.address).toBe('deferred');
      expect(r.reason ?? r.reply?.text ?? '', r.address).not.toBe('');
    }
    expect(run.status, run.stderr).toBe(75);
  }, 120_000);
});
