// Faults: one `deliver --batch` run against a row of hostile servers, each on its own loopback address
// (the same port), each the only MX of its own domain: a server that never greets, one that resets the
// connection at once, one that resets in the middle of the message data, one that never answers the
// final dot, one whose every reply line is 100,000 bytes long, and one whose greeting is an endless
// multi-line reply. Beside them a well-behaved server proves the run can deliver at all. The client
// must give up on each with a clear reason, within its (short) timeouts, with bounded memory, and must
// report nothing delivered that the server did not accept with 250 after DATA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { byAddress, parseReport, runDeliverBatch, shortTimeouts, tableHome, writeBatch } from './batch.js';
import { dialogue, endlessMultiline, resetAtOnce, stall, startScripted, type Script, type ScriptedServer } from './scripted-server.js';

interface FaultCase {
  name: string;
  script: Script;
  /** What the report's reason (or reply text) must say. */
  reason: RegExp;
  /** Message body size: large enough that a reset lands in the middle of the data. */
  size?: number;
}

// Each reason must say what went wrong. Reasons name the MX host, and the hosts are named after their
// cases ("mx.long-lines.fault.test"), so the host is masked before matching: otherwise /line/ or /reset/
// would match the name and not the failure.
const CASES: FaultCase[] = [
  { name: 'stall', script: stall, reason: /timed out.*greeting/i },
  { name: 'reset', script: resetAtOnce, reason: /ECONNRESET|reset|closed/i },
  {
    name: 'reset-mid-data',
    script: dialogue({ onDataProgress: (conn, received) => received > 0 && conn.socket.resetAndDestroy() }),
    reason: /ECONNRESET|reset|closed|lost/i,
    size: 400_000,
  },
  { name: 'stall-after-data', script: dialogue({ onDot: async () => null }), reason: /timed out.*final dot/i },
  { name: 'long-lines', script: dialogue({ padTo: 100_000 }), reason: /line (is )?(longer|too long)/i },
  { name: 'endless-multiline', script: endlessMultiline, reason: /multi-line reply (is )?(longer|too long)|too many lines/i },
];
const RSS_LIMIT_MB = 200;
const domainOf = (name: string): string => `${name}.fault.test`;

describe('deliver --batch against hostile servers', () => {
  let dir: string;
  let dns: TestDnsServer;
  const servers = new Map<string, ScriptedServer>();
  const ipOf = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-faults-'));
    let port = 0;
    const all: { name: string; script: Script }[] = [{ name: 'ok', script: dialogue() }, ...CASES];
    for (const [k, c] of all.entries()) {
      const ip = `127.0.0.${10 + k}`;
      const server = await startScripted(c.script, ip, port);
      port = server.port;
      servers.set(c.name, server);
      ipOf.set(`mx.${domainOf(c.name)}`, ip);
    }
    dns = await startDnsServer(
      loopbackZone({
        isDomain: (name) => name.endsWith('.fault.test') && !name.startsWith('mx.'),
        addressFor: (host) => ipOf.get(host) ?? '127.0.0.1',
      }),
    );
  });

  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up on each with a clear reason, bounded memory, and never reports unaccepted mail delivered', async () => {
    const home = path.join(dir, 'home');
    await tableHome(home, () => {});
    const batch = path.join(dir, 'batch');
    writeBatch(batch, [
      { from: 'sender@origin.fault.test', to: [`user@${domainOf('ok')}`] },
      ...CASES.map((c) => ({ from: 'sender@origin.fault.test', to: [`user@${domainOf(c.name)}`], size: c.size })),
    ]);
    const { child, done } = runDeliverBatch({
      home,
      batch,
      dnsPort: dns.port,
      smtpPort: servers.get('ok')!.port,
      log: path.join(dir, 'mail.log'),
      extra: shortTimeouts(),
    });
    // A client that only has idle timeouts never ends against the endless reply: say so, rather than
    // letting vitest's timeout speak.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const run = await done;
    clearTimeout(deadline);
    expect(run.status, `deliver did not finish within 90 s (killed); stderr: ${run.stderr.slice(0, 500)}`).not.toBeNull();

    const report = parseReport(run.stdout, run.stderr);
    const reported = byAddress(report);
    expect(reported.get(`user@${domainOf('ok')}`)?.status).toBe('delivered');
    for (const c of CASES) {
      const r = reported.get(`user@${domainOf(c.name)}`);
      expect(r, c.name).toBeDefined();
      const why = `${r!.reason ?? ''} ${r!.reply ? `${r!.reply.code} ${r!.reply.text.slice(0, 200)}` : ''}`.replaceAll(domainOf(c.name), '<domain>');
      expect({ case: c.name, status: r!.status }).toEqual({ case: c.name, status: 'deferred' });
      expect(why, c.name).toMatch(c.reason);
    }
    // Delivered only where the server said 250 after DATA.
    for (const r of report.recipients) {
      if (r.status !== 'delivered') continue;
      const server = servers.get(r.address.slice(r.address.indexOf('@') + 1).replace('.fault.test', ''));
      expect(server?.record.accepted, r.address).toContain(r.address);
    }
    // The hostile servers that reached DATA never said 250 to it.
    for (const name of ['reset-mid-data', 'stall-after-data']) expect(servers.get(name)!.record.accepted).toEqual([]);
    expect(run.status, run.stderr).toBe(75);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);
});
