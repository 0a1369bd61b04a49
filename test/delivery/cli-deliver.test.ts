// `destconfig deliver` option checks that need the built command and a real peer: an option that names
// something this machine cannot use is refused (status 2) before anything is looked up or sent.
// Needs the bundle (`npm test` builds it first).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destconfigAsync as destconfig } from '../cli/run.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';

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
