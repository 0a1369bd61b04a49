// SIGTERM while a TCP connection is being opened (QA pass 5): a server whose accept queue is full (its
// process stopped, so SYNs go unanswered) keeps connect() waiting. The signal must drop that attempt at
// once, as it does a connection waiting for its greeting (docs/delivery.md "Shutdown"), and not wait for
// the connect time-out (here 600 s, far beyond the test's own limit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackZone, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { parseReport, runDeliverBatch, shortTimeouts, tableHome, until, writeBatch } from './batch.js';

const IP = '127.0.0.91';

/** True while process `pid` has a TCP connection to IP:port in SYN-SENT, i.e. its connect() is under way
 * (ss from iproute2, which scripts/test-deps.sh installs). */
function connecting(pid: number | undefined, port: number): boolean {
  const r = spawnSync('ss', ['-tnpH', 'state', 'syn-sent', 'dst', `${IP}:${port}`], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ss (iproute2) is needed to see the connect() under way: ${r.error?.message ?? r.stderr}`);
  return r.stdout.includes(`pid=${pid},`);
}

describe('deliver --batch and SIGTERM during connect', () => {
  let dir: string;
  let dns: TestDnsServer;
  let listener: ChildProcess;
  let port: number;
  const fillers: net.Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'load-sigconnect-'));
    dns = await startDnsServer(loopbackZone({ isDomain: (name) => name.endsWith('.conn.test') && !name.startsWith('mx.'), addressFor: () => IP }));
    // A listener in a process of its own, stopped: the kernel queues a connection or two, then drops SYNs.
    listener = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({ port: 0, host: '${IP}', backlog: 1 }, function () { console.log(this.address().port); })`]);
    port = await new Promise<number>((resolve) => listener.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    listener.kill('SIGSTOP');
    for (let i = 0; i < 8; i++) {
      const s = net.connect(port, IP);
      s.on('error', () => undefined);
      fillers.push(s);
    }
    await sleep(200);
  });

  afterAll(async () => {
    for (const s of fillers) s.destroy();
    listener?.kill('SIGKILL');
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops the attempt at once: recipients deferred as not attempted, status 75', async () => {
    const home = path.join(dir, 'home');
    await tableHome(home, () => {});
    const batch = path.join(dir, 'batch');
    writeBatch(batch, [{ from: 'sender@origin.test', to: ['u@a.conn.test'] }]);
    const log = path.join(dir, 'mail.log');
    const { child, done } = runDeliverBatch({ home, batch, dnsPort: dns.port, smtpPort: port, log, extra: shortTimeouts({ connect: 600 }) });
    // Signal only once the client's SYN is out and unanswered: a signal before connect() starts would
    // pass for the wrong reason (the recipient is then never attempted at all).
    await until("the client's connect() to the stopped server", () => connecting(child.pid, port), 30_000);
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const run = await done;
    clearTimeout(killer);
    expect(run.status, 'ended before the connect time-out').toBe(75);
    const report = parseReport(run.stdout, run.stderr);
    expect(report.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(report.recipients[0]?.reason).toMatch(/^4\.3\.0 .*interrupted/i);
  }, 60_000);
});
