// `destconfig deliver` option checks that need the built command and a real peer: an option that names
// something this machine cannot use is refused (status 2) before anything is looked up or sent.
// Needs the bundle (`npm test` builds it first).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';

const BIN = fileURLToPath(new URL('../../bin/destconfig', import.meta.url));

function destconfig(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

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
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--source 192\.0\.2\.1 is not an address of this machine/);
    expect(run.stdout).toBe('');
    expect(peer.connections).toBe(0);
  });

  it('sends from a local address it is given', async () => {
    const run = await destconfig(['deliver', '--home', path.join(work, 'home'), '--port', String(peer.port), '--source', '127.0.0.1', '--from', 'a@sender.test', '--to', 'bob@[127.0.0.1]', '--json', path.join(work, 'm.eml')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(peer.messages).toHaveLength(1);
  });
});
