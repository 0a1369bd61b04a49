// The delivery run lock (`<home>/deliver.lock`, src/delivery/run-lock.ts) with real processes: `deliver`
// runs started together on one home take turns, so the recipient limit and the MIDs/DCIDs hold across them
// (QA pass 7: four parallel runs under "2 per 60 minutes" delivered 4 and shared ids); a waiting run says
// what it waits for and delivers once the holder ends; a SIGKILLed holder does not block; SIGTERM or SIGINT
// while waiting ends the run at once, 75, nothing sent. Needs the bundle (`npm test` builds it first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitTable } from '../../src/store/index.js';
import type { DeliveryReport } from '../../src/delivery/types.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startPlainMx, type PlainMx } from '../helpers/plain-mx.js';
import { startSmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';
import { BIN } from '../cli/run.js';

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A spawned `destconfig` whose stderr can be watched while it runs. */
interface Running {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  stderrMatches(pattern: RegExp): Promise<void>;
  done: Promise<Finished>;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of watchers) w();
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    pid: child.pid ?? 0,
    stderr: () => stderr,
    stderrMatches: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(stderr)) return;
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
        void done.then(() => (pattern.test(stderr) ? resolve() : reject(new Error(`ended without ${String(pattern)} on stderr: ${stderr}`))));
      }),
    done,
  };
}

let dns: TestDnsServer;
let work: string;
let home: string;
const closers: (() => Promise<void>)[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
});
afterAll(() => dns.close());
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'deliver-lock-'));
  home = path.join(work, 'home');
  await writeFile(path.join(work, 'm.eml'), 'Subject: turns\n\nbody\n');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(closers.splice(0).map((c) => c()));
  await rm(work, { recursive: true, force: true });
});

const lockFile = (): string => path.join(home, 'deliver.lock');
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function deliverTo(port: number, to: string, extra: string[] = []): Running {
  const run = start(['deliver', '--home', home, '--dns-server', dns.address, '--port', String(port), '--helo', 'client.sender.test', '--from', 'a@sender.test', '--to', to, '--json', ...extra, path.join(work, 'm.eml')]);
  children.push(run.child);
  return run;
}

/**
 * A plain MX that holds its reply to the first message's final dot until `release()`; `firstInData` once that
 * message's data is in. Later messages are answered at once.
 */
async function holdingMx(): Promise<{ mx: PlainMx; firstInData: Promise<void>; release: () => void }> {
  let inData!: () => void;
  const firstInData = new Promise<void>((r) => (inData = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let seen = 0;
  const mx = await startPlainMx(async () => {
    if (++seen === 1) {
      inData();
      await released;
    }
    return 'accept';
  });
  closers.push(async () => {
    release();
    await mx.close();
  });
  return { mx, firstInData, release };
}

/** The "Info: ..." events of the mail log, without timestamps and trailing details. */
async function logEvents(): Promise<string[]> {
  const log = await readFile(path.join(home, 'mail.log'), 'utf8');
  return log
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^.*? (Info|Warning): /, '').replace(/ port \d+$| \[\('250'.*$/, ''));
}

describe('deliver runs on one home take turns (deliver.lock)', () => {
  it('four runs started together under "2 recipients per 60 minutes": 2 delivered, 2 deferred by the limit, no id shared in the mail log', async () => {
    const t = emptyTable();
    t.entries.set('example.test', { ...blankEntry('example.test'), recipientLimit: { limit: 2, minutes: 60 }, limitType: 'domain', limitApply: 'system' });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    // Each reply to the data comes half a second late, so that runs without a lock would surely overlap.
    const mx = await startPlainMx(async () => {
      await sleep(500);
      return 'accept';
    });
    closers.push(() => mx.close());
    const runs = await Promise.all([1, 2, 3, 4].map((n) => deliverTo(mx.port, `u${n}@example.test`).done));

    expect(runs.map((r) => r.code).sort()).toEqual([0, 0, 75, 75]);
    const recipients = runs.flatMap((r) => (JSON.parse(r.stdout) as DeliveryReport).recipients);
    expect(recipients.filter((r) => r.status === 'delivered')).toHaveLength(2);
    const deferred = recipients.filter((r) => r.status === 'deferred');
    expect(deferred).toHaveLength(2);
    for (const r of deferred) expect(r.reason).toMatch(/^4\.4\.5 Recipient limit of 2 per 60 minutes reached for example\.test/);
    expect(mx.mails).toBe(2);

    const events = await logEvents();
    const mids = events.flatMap((e) => /^(?:Delivery start DCID \d+ |Delayed: )MID (\d+)/.exec(e)?.[1] ?? []);
    expect(mids.sort()).toEqual(['1', '2', '3', '4']);
    const dcids = events.flatMap((e) => /^New SMTP DCID (\d+)/.exec(e)?.[1] ?? []);
    expect(dcids.sort()).toEqual(['1', '2']);

    // The window saved counts both: a fifth run is deferred too.
    const fifth = await deliverTo(mx.port, 'u5@example.test').done;
    expect(fifth.code).toBe(75);
    expect(mx.mails).toBe(2);
    expect(await readdir(home)).not.toContain('deliver.lock');
  });

  it('a second run waits for the run holding the lock, says so once on stderr, and delivers after it ends', async () => {
    const { mx, firstInData, release } = await holdingMx();
    const first = deliverTo(mx.port, 'first@example.test');
    await firstInData;
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: first.pid, host: os.hostname() });

    const second = deliverTo(mx.port, 'second@example.test');
    const waiting = new RegExp(`^destconfig: waiting for the delivery run of pid ${first.pid} \\(started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) on ${escape(home)} to end\\n$`);
    await second.stderrMatches(waiting);
    // Said while the first run's message is still held: the second has sent nothing.
    expect(mx.mails).toBe(1);
    release();

    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(waiting); // once, and nothing else
    expect((JSON.parse(b.stdout) as DeliveryReport).recipients.map((r) => r.status)).toEqual(['delivered']);
    expect(mx.mails).toBe(2);
    const events = await logEvents();
    // The second run started after the first ended, and counted on from its ids.
    expect(events.indexOf('DCID 1 close')).toBeGreaterThan(-1);
    expect(events.indexOf('DCID 1 close')).toBeLessThan(events.indexOf('New SMTP DCID 2 interface 127.0.0.1 address 127.0.0.1'));
    expect(events).toContain('Delivery start DCID 2 MID 2 to RID [0]');
    expect(await readdir(home)).not.toContain('deliver.lock');
  });

  it('a lock left by a SIGKILLed run does not block the next run', async () => {
    const { mx, firstInData } = await holdingMx();
    const killed = deliverTo(mx.port, 'first@example.test');
    await firstInData;
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: killed.pid });

    const next = await deliverTo(mx.port, 'next@example.test').done;
    expect(next.code).toBe(0);
    expect(next.stderr).toBe(''); // taken over at once, not waited for
    expect((JSON.parse(next.stdout) as DeliveryReport).recipients.map((r) => r.status)).toEqual(['delivered']);
    expect(mx.mails).toBe(2);
    expect((await readdir(home)).filter((n) => n.startsWith('deliver.lock'))).toEqual([]);
  });

  it('SIGTERM or SIGINT while waiting ends the run at once with 75, nothing sent, nothing logged', async () => {
    const { mx, firstInData, release } = await holdingMx();
    const first = deliverTo(mx.port, 'first@example.test');
    await firstInData;
    const waiters = (['SIGTERM', 'SIGINT'] as const).map((signal) => ({ signal, run: deliverTo(mx.port, `${signal.toLowerCase()}@example.test`) }));
    for (const { signal, run } of waiters) {
      await run.stderrMatches(/waiting for the delivery run of pid/);
      run.child.kill(signal);
      const ended = await run.done; // while the first run still holds the lock: not after it
      expect(ended.code).toBe(75);
      expect(ended.stdout).toBe('');
      expect(ended.stderr).toMatch(new RegExp(`\\ndestconfig: stopped by ${signal} waiting for the delivery run of pid ${first.pid} \\(started [^)]+\\) to end; nothing was sent\\n$`));
    }
    expect(mx.mails).toBe(1);
    release();
    expect((await first.done).code).toBe(0);
    expect(mx.mails).toBe(1);
    const events = await logEvents();
    expect(events.filter((e) => /MID/.test(e)).every((e) => / MID 1 /.test(e))).toBe(true);
    expect(JSON.parse(await readFile(path.join(home, 'delivery-state.json'), 'utf8'))).toMatchObject({ mid: 2 });
  });

  it('tlsverify takes no run lock: it runs while a delivery holds one', async () => {
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(sleeper);
    await writeFile(path.join(work, 'ca.pem'), testPki().caCert);
    const p = await startSmtpPeer({ starttls: 'offered', cert: testPki().valid });
    closers.push(() => p.close());
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: 'test' });
    await writeFile(lockFile(), JSON.stringify({ pid: sleeper.pid, host: os.hostname(), acquiredAt: new Date().toISOString(), token: 'live' }));
    const verify = start(['tlsverify', '--home', home, '--dns-server', dns.address, '--port', String(p.port), '--ca-file', path.join(work, 'ca.pem'), 'example.test']);
    children.push(verify.child);
    const done = await verify.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('');
    expect(done.stdout).toMatch(/succeeded: certificate verified/);
  });
});
