// `destconfig deliver` option checks that need the built command and a real peer: an option that names
// something this machine cannot use is refused (status 2) before anything is looked up or sent.
// Needs the bundle (`npm test` builds it first).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destconfigAsync as destconfig } from '../cli/run.js';
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
