// `bin/destconfig deliver` and `tlsverify` as a user runs them: a spawned process with a table committed in
// its home, the in-process DNS server and SMTP peers; checks the --json report, the exit status, the mail
// log and what the server received. Needs the bundle (`npm test` builds it first).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitTable } from '../../src/store/index.js';
import type { DeliveryReport } from '../../src/delivery/types.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startPlainMx } from '../helpers/plain-mx.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { testPki } from '../helpers/test-ca.js';

const BIN = fileURLToPath(new URL('../../bin/destconfig', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function destconfig(args: string[], opts: { stdin?: string; onSpawn?: (kill: (sig: NodeJS.Signals) => void) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
    opts.onSpawn?.((sig) => child.kill(sig));
  });
}

let dns: TestDnsServer;
let home: string;
let work: string;
let caFile: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
    'nullmx.test': { mx: [{ preference: 0, exchange: '.' }] },
    // MX hosts without an address (gone.*: NXDOMAIN; bare.*: NODATA; sick.*: SERVFAIL), and a set where the
    // second MX has one.
    'noaddr.test': { mx: [{ preference: 10, exchange: 'gone.noaddr.test' }, { preference: 20, exchange: 'bare.noaddr.test' }] },
    'bare.noaddr.test': {},
    'tempaddr.test': { mx: [{ preference: 10, exchange: 'sick.tempaddr.test' }] },
    'sick.tempaddr.test': { servfail: true },
    'partial.test': { mx: [{ preference: 10, exchange: 'gone.partial.test' }, { preference: 20, exchange: 'mx.example.test' }] },
  });
});
afterAll(() => dns.close());
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'deliver-cli-'));
  home = path.join(work, 'home');
  caFile = path.join(work, 'ca.pem');
  await writeFile(caFile, testPki().caCert);
  await writeFile(path.join(work, 'm.eml'), 'Subject: cli\n\nhello from the command line\n');
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await rm(work, { recursive: true, force: true });
});

async function peer(options: Parameters<typeof startSmtpPeer>[0]): Promise<SmtpPeer> {
  const p = await startSmtpPeer(options);
  closers.push(() => p.close());
  return p;
}

async function commitRequiredVerify(): Promise<void> {
  const t = emptyTable();
  t.entries.set('example.test', { ...blankEntry('example.test'), tls: 'required_verify' });
  await commitTable(home, t, { baseRevision: 0, comment: 'test' });
}

const common = (port: number): string[] => ['--home', home, '--dns-server', dns.address, '--port', String(port), '--ca-file', caFile, '--helo', 'client.sender.test'];

describe('destconfig deliver', () => {
  it('delivers under the committed row, prints the JSON report, writes the mail log, exits 69 when one recipient bounced', async () => {
    await commitRequiredVerify();
    const p = await peer({ starttls: 'offered', cert: testPki().valid, rcptReply: (a) => (a.startsWith('gone') ? 550 : 250) });
    const run = await destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', 'bob@example.test', '--to', 'gone@example.test', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(69);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.summary).toEqual({ delivered: 1, deferred: 0, bounced: 1 });
    expect(report.recipients[0]).toMatchObject({
      address: 'bob@example.test',
      status: 'delivered',
      row: 'example.test',
      mxHost: 'mx.example.test',
      ip: '127.0.0.1',
      tls: { mode: 'required_verify', negotiated: true, verified: true, matchedIdentity: 'mx.example.test' },
    });
    expect(report.recipients[1]).toMatchObject({ status: 'bounced', reply: { code: 550 } });
    expect(p.messages).toHaveLength(1);
    expect(p.messages[0]?.secure).toBe(true);
    expect(p.messages[0]?.data.toString()).toContain('hello from the command line\r\n');
    const log = await readFile(path.join(home, 'mail.log'), 'utf8');
    expect(log).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} Info: New SMTP DCID 1 interface 127\.0\.0\.1 address 127\.0\.0\.1 port \d+$/m);
    expect(log).toMatch(/Info: DCID 1 TLS success protocol TLSv1\.\d cipher \S+ mx\.example\.test$/m);
    expect(log).toMatch(/Info: Message done DCID 1 MID 1 to RID \[0\]/);
    expect(log).toMatch(/Info: Bounced: DCID 1 MID 1 to RID 1 - /);
  });

  it('reads the message from stdin and exits 0 when all is delivered; ids keep counting in the next run', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const args = ['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', 'bob@example.test', '-'];
    const first = await destconfig(args, { stdin: 'Subject: stdin\n\nbody\n' });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/bob@example\.test: delivered via mx\.example\.test \[127\.0\.0\.1\], row \(Default\), 1 attempt/);
    expect(first.stdout).toMatch(/1 delivered, 0 deferred, 0 bounced\n$/);
    const second = await destconfig(args, { stdin: 'Subject: stdin\n\nbody\n' });
    expect(second.code).toBe(0);
    const log = await readFile(path.join(home, 'mail.log'), 'utf8');
    expect(log).toContain('Delivery start DCID 1 MID 1 to RID [0]');
    expect(log).toContain('Delivery start DCID 2 MID 2 to RID [0]');
  });

  it('prints the report even when the delivery state cannot be saved, then names the file on stderr, status 1', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    // A folder where the state file goes: the run delivers, and only replacing the state fails.
    await mkdir(path.join(home, 'delivery-state.json'), { recursive: true });
    const run = await destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', 'bob@example.test', '--json', path.join(work, 'm.eml')]);
    expect(p.messages).toHaveLength(1);
    // What was delivered is reported: a script must not send it again.
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.summary).toEqual({ delivered: 1, deferred: 0, bounced: 0 });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^destconfig: cannot save the delivery state ${path.join(home, 'delivery-state.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: EISDIR.*\n$`));
    expect(run.stderr).not.toContain('internal error');
    // No temporary file left behind.
    expect((await readdir(home)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prints the report when the mail log could not be written, then names the log on stderr, status 1', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    // /dev/full opens, and every write to it fails (ENOSPC): the lines are lost, which must not pass unsaid.
    const run = await destconfig(['deliver', ...common(p.port), '--log', '/dev/full', '--from', 'alice@sender.test', '--to', 'bob@example.test', '--json', path.join(work, 'm.eml')]);
    expect(p.messages).toHaveLength(1);
    expect((JSON.parse(run.stdout) as DeliveryReport).summary).toEqual({ delivered: 1, deferred: 0, bounced: 0 });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^destconfig: cannot write the mail log \/dev\/full: ENOSPC.*\n$/);
  });

  it('keeps the recipient limit across runs (counters in <home>/delivery-state.json)', async () => {
    const t = emptyTable();
    t.entries.set('example.test', { ...blankEntry('example.test'), recipientLimit: { limit: 1, minutes: 60 }, limitType: 'domain', limitApply: 'system' });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const send = (to: string) => destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', to, '--json', path.join(work, 'm.eml')]);
    expect((await send('a@example.test')).code).toBe(0);
    const second = await send('b@example.test');
    expect(second.code).toBe(75);
    expect((JSON.parse(second.stdout) as DeliveryReport).recipients[0]?.reason).toMatch(/^4\.4\.5 Recipient limit of 1 per 60 minutes reached for example\.test/);
    expect(p.messages.map((m) => m.to)).toEqual([['a@example.test']]);
  });

  it('presents the SETUP certificate when the server asks for a client certificate', async () => {
    const pki = testPki();
    await writeFile(path.join(work, 'client.pem'), pki.client.cert);
    await writeFile(path.join(work, 'client.key'), pki.client.key);
    const t = emptyTable();
    t.certificates.push({ name: 'outbound', certFile: path.join(work, 'client.pem'), keyFile: path.join(work, 'client.key') });
    t.globals.certificate = 'outbound';
    t.entries.set('example.test', { ...blankEntry('example.test'), tls: 'required' });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    const p = await peer({ starttls: 'offered', cert: pki.valid, requestClientCert: true });
    const run = await destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', 'bob@example.test', path.join(work, 'm.eml')]);
    expect(run.code).toBe(0);
    expect(p.messages[0]?.clientCertCn).toBe('client.sender.test');
  });

  it('exits 75 when a recipient is deferred (Required - Verify against a wrong-name certificate), nothing sent', async () => {
    await commitRequiredVerify();
    const p = await peer({ starttls: 'offered', cert: testPki().wrongName });
    const run = await destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', 'bob@example.test', '--json', path.join(work, 'm.eml')]);
    expect(run.code).toBe(75);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.recipients[0]?.reason).toMatch(/^4\.7\.5 /);
    expect(report.recipients[0]?.tls.verifyError).toBeTruthy();
    expect(p.mailFroms).toEqual([]);
    expect(await readFile(path.join(home, 'mail.log'), 'utf8')).toContain('TLS was required but could not be successfully negotiated');
  });

  it('exits 1 before sending anything when the mail log cannot be opened (a folder, or under a file)', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    for (const log of [work, path.join(work, 'm.eml', 'mail.log')]) {
      const run = await destconfig(['deliver', ...common(p.port), '--log', log, '--from', 'alice@sender.test', '--to', 'bob@example.test', path.join(work, 'm.eml')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^destconfig: cannot open the mail log .+: E(ISDIR|NOTDIR|EXIST)/);
      expect(run.stderr).not.toContain('internal error');
    }
    expect(p.connections).toBe(0);
  });

  it('delivers a batch folder and bounces a null-MX domain with exit 69', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const dir = path.join(work, 'batch');
    await mkdir(dir);
    for (let i = 0; i < 3; i++) {
      await writeFile(path.join(dir, `m${i}.eml`), `Subject: batch ${i}\n\nbody ${i}\n`);
      await writeFile(path.join(dir, `m${i}.json`), JSON.stringify({ from: 'alice@sender.test', to: i === 2 ? ['x@nullmx.test'] : [`u${i}@example.test`] }));
    }
    const run = await destconfig(['deliver', ...common(p.port), '--batch', dir, '--json']);
    expect(run.code).toBe(69);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.recipients.map((r) => [path.basename(r.message), r.status])).toEqual([
      ['m0.eml', 'delivered'],
      ['m1.eml', 'delivered'],
      ['m2.eml', 'bounced'],
    ]);
    expect(report.recipients[2]?.reason).toMatch(/^5\.1\.10 /);
    expect(p.messages.map((m) => m.to[0])).toEqual(['u0@example.test', 'u1@example.test']);
  });

  it('MX hosts without an address: exit 69 and 5.4.4 when all are definitively without, 75 and 4.4.3 on a DNS failure, 0 through the one that has', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const send = (to: string) => destconfig(['deliver', ...common(p.port), '--from', 'alice@sender.test', '--to', to, '--json', path.join(work, 'm.eml')]);
    const bounced = await send('bob@noaddr.test');
    expect(bounced.stderr).toBe('');
    expect(bounced.code).toBe(69);
    const noaddr =
      '5.4.4 No MX host of noaddr.test has an address. Name service error for name=gone.noaddr.test type=A/AAAA: Host not found (NXDOMAIN); ' +
      'name=bare.noaddr.test type=A/AAAA: Host found but no data record of requested type (NODATA)';
    expect((JSON.parse(bounced.stdout) as DeliveryReport).recipients).toEqual([
      expect.objectContaining({ address: 'bob@noaddr.test', status: 'bounced', row: '(Default)', mxHost: null, ip: null, attempts: 0, reply: null, reason: noaddr }),
    ]);
    const deferred = await send('bob@tempaddr.test');
    expect(deferred.code).toBe(75);
    expect((JSON.parse(deferred.stdout) as DeliveryReport).recipients[0]).toMatchObject({
      status: 'deferred',
      reason: '4.4.3 No MX host of tempaddr.test has an address. Name service error for name=sick.tempaddr.test type=A/AAAA: Host not found, try again (SERVFAIL)',
    });
    const delivered = await send('bob@partial.test');
    expect(delivered.code).toBe(0);
    expect((JSON.parse(delivered.stdout) as DeliveryReport).recipients[0]).toMatchObject({ status: 'delivered', mxHost: 'mx.example.test', ip: '127.0.0.1' });
    expect(p.messages.map((m) => m.to)).toEqual([['bob@partial.test']]);
    const log = await readFile(path.join(home, 'mail.log'), 'utf8');
    expect(log).toContain(`Info: Bounced: MID 1 to RID 0 - ${noaddr}\n`);
    expect(log).toMatch(/Info: Delayed: MID 2 to RID 0 - 4\.4\.3 No MX host of tempaddr\.test has an address/);
  });

  it('refuses bad input with status 2, naming it, and sends nothing', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const cases: [string[], RegExp][] = [
      [['--to', 'bob@example.test', path.join(work, 'm.eml')], /--from is required/],
      [['--from', 'a@sender.test', path.join(work, 'm.eml')], /at least one --to/],
      [['--from', 'a@sender.test', '--to', 'bob@@', path.join(work, 'm.eml')], /invalid recipient "bob@@"/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', '--dns-server', 'resolver.example', path.join(work, 'm.eml')], /--dns-server must be an IP address/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', '--port', '99999', path.join(work, 'm.eml')], /--port must be a whole number from 1 to 65535/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', path.join(work, 'missing.eml')], /cannot read message .*missing\.eml/],
      [['--batch', path.join(work, 'nope')], /cannot read batch folder/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', '--ca-file', path.join(work, 'missing.pem'), path.join(work, 'm.eml')], /cannot read --ca-file .*missing\.pem: ENOENT/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', '--ca-file', path.join(work, 'm.eml'), path.join(work, 'm.eml')], /--ca-file .*m\.eml holds no PEM certificate/],
      [['--from', 'a@sender.test', '--to', 'b@example.test', '--ca-file', path.join(work, 'broken.pem'), path.join(work, 'm.eml')], /--ca-file .*broken\.pem: certificate 1 is not a valid PEM certificate/],
    ];
    await writeFile(path.join(work, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    for (const [args, message] of cases) {
      const run = await destconfig(['deliver', '--home', home, '--port', String(p.port), ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
    expect(p.connections).toBe(0);
  });

  it('a damaged table file ends with status 1 naming the file, and nothing is sent', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, 'destconfig.json'), '{damaged');
    const run = await destconfig(['deliver', ...common(p.port), '--from', 'a@sender.test', '--to', 'b@example.test', path.join(work, 'm.eml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(path.join(home, 'destconfig.json'));
    expect(run.stderr).not.toContain('internal error');
    expect(p.connections).toBe(0);
  });

  /** A plain MX that holds its reply to the final dot: `inData` once a message's data is in, `release` lets it answer 250. */
  async function holdingMx(): Promise<{ server: Awaited<ReturnType<typeof startPlainMx>>; inData: Promise<void>; release: () => void }> {
    let holding!: () => void;
    const inData = new Promise<void>((r) => (holding = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const server = await startPlainMx(async () => {
      holding();
      await released;
      return 'accept';
    });
    closers.push(() => server.close());
    return { server, inData, release };
  }

  it('on SIGTERM finishes the open transaction, starts no new one, reports the rest deferred, exits 75', async () => {
    const { server, inData, release } = await holdingMx();
    const t = emptyTable();
    t.entries.set('example.test', { ...blankEntry('example.test'), maxConcurrency: 1 });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    const dir = path.join(work, 'batch');
    await mkdir(dir);
    for (let i = 0; i < 3; i++) {
      await writeFile(path.join(dir, `m${i}.eml`), `Subject: ${i}\n\nbody\n`);
      await writeFile(path.join(dir, `m${i}.json`), JSON.stringify({ from: 'a@sender.test', to: [`u${i}@example.test`] }));
    }
    const run = await destconfig(['deliver', ...common(server.port), '--batch', dir, '--json'], {
      onSpawn: (kill) => {
        void inData.then(() => {
          kill('SIGTERM');
          setTimeout(release, 300);
        });
      },
    });
    expect(run.code).toBe(75);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.recipients.map((r) => r.status)).toEqual(['delivered', 'deferred', 'deferred']);
    expect(report.recipients[1]?.reason).toMatch(/^4\.3\.0 Delivery interrupted/);
    expect(server.mails).toBe(1);
    expect(server.connections[0]?.clearText).toMatch(/QUIT\r\n$/);
    // Every line reached the mail log before the exit (lines are gathered before each write), in order.
    const log = await readFile(path.join(home, 'mail.log'), 'utf8');
    const events = log.split('\n').filter(Boolean).map((l) => l.replace(/^.*? (Info|Warning): /, ''));
    expect(events.map((e) => e.replace(/ port \d+$| \[\('250'.*$/, ''))).toEqual([
      'New SMTP DCID 1 interface 127.0.0.1 address 127.0.0.1',
      'Delivery start DCID 1 MID 1 to RID [0]',
      'Delivery interrupted by SIGTERM: no new transactions are started',
      'Message done DCID 1 MID 1 to RID [0]',
      'DCID 1 close',
      'Delayed: MID 2 to RID 0 - 4.3.0 Delivery interrupted before this recipient was attempted',
      'Delayed: MID 3 to RID 0 - 4.3.0 Delivery interrupted before this recipient was attempted',
    ]);
  });

  it('on SIGINT names SIGINT in the mail log, and ends 75 (interrupted) even when the open transaction delivered everything', async () => {
    const { server, inData, release } = await holdingMx();
    await writeFile(path.join(work, 'm.eml'), 'Subject: one\n\nbody\n');
    const run = await destconfig(['deliver', ...common(server.port), '--from', 'a@sender.test', '--to', 'b@example.test', '--json', path.join(work, 'm.eml')], {
      onSpawn: (kill) => {
        void inData.then(() => {
          kill('SIGINT');
          setTimeout(release, 300);
        });
      },
    });
    // Issue 6: a run interrupted by a signal ends with 75, whatever it managed to deliver before stopping.
    expect(run.code).toBe(75);
    const report = JSON.parse(run.stdout) as DeliveryReport;
    expect(report.recipients.map((r) => r.status)).toEqual(['delivered']);
    const log = await readFile(path.join(home, 'mail.log'), 'utf8');
    expect(log).toContain('Delivery interrupted by SIGINT: no new transactions are started');
    expect(log).not.toContain('SIGTERM');
  });
});

describe('destconfig deliver --help', () => {
  it('lists every exit status the command can end with, 1 included', async () => {
    const run = await destconfig(['deliver', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      'Exit status: 0 every recipient delivered; 75 some deferred and none bounced, or stopped by SIGTERM/SIGINT; 69 any bounced; 2 usage; 1 other failure (unreadable table, I/O error).',
    );
  });
});

describe('destconfig tlsverify', () => {
  it('shows each step and exits 0 for a verified certificate', async () => {
    const p = await peer({ starttls: 'offered', cert: testPki().valid });
    const run = await destconfig(['tlsverify', 'example.test', '--home', home, '--dns-server', dns.address, '--port', String(p.port), '--ca-file', caFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('MX 10 mx.example.test: 127.0.0.1');
    expect(run.stdout).toContain('Connecting to mx.example.test [127.0.0.1] port');
    expect(run.stdout).toMatch(/STARTTLS: 220 /);
    expect(run.stdout).toMatch(/TLS connection established: protocol TLSv1\.\d, cipher \S+/);
    expect(run.stdout).toContain('subject: ');
    expect(run.stdout).toContain('issuer: ');
    expect(run.stdout).toMatch(/TLS connection to 'example\.test' \(mx\.example\.test\) succeeded: certificate verified\.\n$/);
  });

  it('exits 1 with the reason for a certificate that does not verify, and for a server without STARTTLS', async () => {
    const wrong = await peer({ starttls: 'offered', cert: testPki().wrongName });
    const run = await destconfig(['tlsverify', 'example.test', `127.0.0.1:${wrong.port}`, '--home', home, '--ca-file', caFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/TLS verification of 'example\.test' FAILED: .+\.\n$/);
    const plain = await peer({ starttls: 'disabled' });
    const run2 = await destconfig(['tlsverify', 'example.test', `127.0.0.1:${plain.port}`, '--home', home]);
    expect(run2.code).toBe(1);
    expect(run2.stdout).toMatch(/FAILED: TLS could not be negotiated/);
  });

  it('exits 2 with the message on stderr, not stdout, for a bad domain, HOST[:PORT] or CA file', async () => {
    await writeFile(path.join(work, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    const cases: [string[], RegExp][] = [
      [['bad domain'], /^destconfig: Invalid domain "bad domain"/],
      [['example.test', 'bad:host:x'], /^destconfig: Invalid host "bad:host:x"/],
      [['example.test', '127.0.0.1:25', '--ca-file', path.join(work, 'missing.pem')], /^destconfig: cannot read --ca-file .*missing\.pem: ENOENT/],
      // A file that is not PEM, or a PEM block that is no certificate: refused, not skipped.
      [['example.test', '127.0.0.1:25', '--ca-file', path.join(work, 'm.eml')], /^destconfig: --ca-file .*m\.eml holds no PEM certificate/],
      [['example.test', '127.0.0.1:25', '--ca-file', path.join(work, 'broken.pem')], /^destconfig: --ca-file .*broken\.pem: certificate 1 is not a valid PEM certificate/],
    ];
    for (const [args, message] of cases) {
      const run = await destconfig(['tlsverify', ...args, '--home', home]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
    }
  });
});
