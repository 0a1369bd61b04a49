// `destconfig deliver` option checks that need the built command and a real peer: an option that names
// something this machine cannot use is refused (status 2) before anything is looked up or sent.
// Needs the bundle (`npm test` builds it first).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { BIN, destconfigAsync as destconfig } from '../cli/run.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { commitTable } from '../../src/store/index.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';

let work: string;
let peer: SmtpPeer;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cli-deliver-'));
  await writeFile(path.join(work, 'm.eml'), 'Subject: source\n\nhello\n');
  peer = await startSmtpPeer({ starttls: 'disabled' });
});
afterEach(async () => {
  await peer.close();
  await rm(work, { recursive: true, force: true });
});

describe('destconfig deliver --source', () => {
  it('refuses an address that is not one of this machine (status 2, naming it) and sends nothing', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is never assigned to a local interface.
    const run = await destconfig(['deliver', '--home', path.join(work, 'home'), '--port', String(peer.port), '--source', '192.0.2.1', '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', path.join(work, 'm.eml')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--source 192\.0\.2\.1 is not an address of this machine/);
    expect(run.stdout).toBe('');
    expect(peer.connections).toBe(0);
  });

  it('sends from a local address it is given', async () => {
    const run = await destconfig(['deliver', '--home', path.join(work, 'home'), '--port', String(peer.port), '--source', '127.0.0.1', '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(peer.messages).toHaveLength(1);
  });
});

describe('destconfig deliver with a damaged secrets file', () => {
  // Found in the delivery code review (29 Nov 2026): the BATV key was first read when the first tagged
  // message went out, so a damaged <home>/secrets.json ended the run there as an internal error with a
  // stack trace and no report, after other destinations may already have been sent to.
  it('refuses before anything is sent when a governing row tags senders (status 1, naming the file)', async () => {
    const home = path.join(work, 'home');
    const t = emptyTable();
    t.entries.set('[127.0.0.1]', { ...blankEntry('[127.0.0.1]'), bounceVerification: true });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    await writeFile(path.join(home, 'secrets.json'), '{ damaged');
    const run = await destconfig(['deliver', '--home', home, '--port', String(peer.port), '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe(`destconfig: ${path.join(home, 'secrets.json')}: is not valid JSON. The file was left unchanged. Correct it, or remove it to make new secrets (bounce verification tags already sent with the old secret will then no longer be recognised).\n`);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(peer.connections).toBe(0);
  });

  it('tags the sender with the key read up front, made on first use', async () => {
    const home = path.join(work, 'home');
    const t = emptyTable();
    t.entries.set('[127.0.0.1]', { ...blankEntry('[127.0.0.1]'), bounceVerification: true });
    await commitTable(home, t, { baseRevision: 0, comment: 'test' });
    const run = await destconfig(['deliver', '--home', home, '--port', String(peer.port), '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(peer.mailFroms.map((m) => m.address)).toEqual([expect.stringMatching(/^prvs=\d{4}[0-9A-F]{6}=a@sender\.test$/)]);
    expect(JSON.parse(await readFile(path.join(home, 'secrets.json'), 'utf8'))).toBeTruthy();
  });

  it('is not read when no governing row tags senders', async () => {
    const home = path.join(work, 'home');
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: 'test' });
    await writeFile(path.join(home, 'secrets.json'), '{ damaged');
    const run = await destconfig(['deliver', '--home', home, '--port', String(peer.port), '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(peer.messages).toHaveLength(1);
  });
});

describe('destconfig deliver with a table home it cannot read', () => {
  it('says which home and why (status 1, no internal error) and sends nothing', async () => {
    const notAFolder = path.join(work, 'home-file');
    await writeFile(notAFolder, 'not a folder\n');
    const run = await destconfig(['deliver', '--home', notAFolder, '--port', String(peer.port), '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`destconfig: cannot read the table in ${notAFolder}: ENOTDIR: not a directory, open '${notAFolder}/destconfig.json'\n`);
    expect(peer.connections).toBe(0);
  });
});

/**
 * Runs the built command with a reader that goes away after the first chunk of output (`| head -1`), and
 * resolves with its exit status. `onClosed` runs once the reader is gone.
 */
function statusWithReaderGone(args: string[], onClosed: () => void = () => undefined): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
  child.stdout.once('data', () => {
    child.stdout.destroy();
    onClosed();
  });
  return new Promise((resolve) => child.on('close', resolve));
}

describe('a reader of the output that goes away (| head -1)', () => {
  it('deliver --json: the status is still the outcome (75 with a recipient deferred), not 0, when the report is cut short', async () => {
    const deferring = await startSmtpPeer({ starttls: 'disabled', rcptReply: (a) => (a.startsWith('later@') ? 451 : 250) });
    try {
      // A report far larger than a pipe's buffer, so that it is still being written when the reader leaves.
      const to = [...Array.from({ length: 400 }, (_v, i) => `r${i}@[127.0.0.1]`), 'later@[127.0.0.1]'].flatMap((a) => ['--to', a]);
      const status = await statusWithReaderGone(['deliver', '--home', path.join(work, 'home'), '--port', String(deferring.port), '--from', 'a@sender.test', ...to, '--json', path.join(work, 'm.eml')]);
      expect(deferring.messages.flatMap((m) => m.to)).toHaveLength(400); // everything but later@ was delivered
      expect(status).toBe(75);
    } finally {
      await deferring.close();
    }
  });

  it('tlsverify: a check cut short before its verdict ends with 1 (not verified), not 0', async () => {
    // The server greets only once the reader is gone, so that the check has more to print after it.
    const sockets: Socket[] = [];
    let greet = (): void => undefined;
    const readerGone = new Promise<void>((resolve) => (greet = resolve));
    const server: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('data', () => socket.write('250 mx.test\r\n')); // EHLO answered without STARTTLS
      void readerGone.then(() => socket.write('220 mx.test ESMTP\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const status = await statusWithReaderGone(['tlsverify', '--home', path.join(work, 'home'), 'example.test', `127.0.0.1:${port}`], greet);
      expect(status).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
