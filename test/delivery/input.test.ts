import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, addressProblem, readBatch, readSingle } from '../../src/delivery/input.js';
import { loadSource, type MessageSource } from '../../src/delivery/message-source.js';
import { BIN, requireBundle } from '../cli/run.js';

/** A batch message's content as readBatch gives it: a source to read at send time, not bytes. */
function source(content: Buffer | MessageSource): MessageSource {
  if (Buffer.isBuffer(content)) throw new Error('readBatch read the message bytes up front');
  return content;
}

async function envelope(name: string): Promise<void> {
  await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ from: 's@x.test', to: 'r@y.test' }));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'batch-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('envelope addresses', () => {
  it('accepts domains, IP literals and the null sender; names what is wrong otherwise', () => {
    expect(addressProblem('a@example.com', 'recipient')).toBeNull();
    expect(addressProblem('a@[192.0.2.1]', 'recipient')).toBeNull();
    expect(addressProblem('', 'sender')).toBeNull();
    expect(addressProblem('', 'recipient')).toMatch(/local part/);
    expect(addressProblem('a b@example.com', 'recipient')).toMatch(/spaces/);
    expect(addressProblem('a@exa_mple..com', 'recipient')).toMatch(/domain/);
    expect(addressProblem('a@', 'sender')).toMatch(/domain is empty/);
  });

  it('refuses an @ in a local part that is not quoted (RFC 5321 §4.1.2 Dot-string), also from the command line', async () => {
    expect(addressProblem('bad@@example.com', 'recipient')).toMatch(/local part "bad@" has an @ outside quotes/);
    expect(addressProblem('a@b@example.com', 'sender')).toMatch(/local part "a@b" has an @ outside quotes/);
    expect(addressProblem('"a@b"@example.com', 'recipient')).toBeNull();
    await expect(readSingle('a@example.com', ['ok@example.com', 'bad@@x'], undefined, async () => Buffer.from('x'))).rejects.toThrow(
      'command line: invalid recipient "bad@@x": its local part "bad@" has an @ outside quotes',
    );
  });
});

describe('batch folders', () => {
  it('reads NAME.eml with its NAME.json envelope in name order', async () => {
    await writeFile(path.join(dir, 'b.eml'), 'Subject: b\r\n\r\nb\r\n');
    await writeFile(path.join(dir, 'b.json'), JSON.stringify({ from: 's@x.test', to: 'r@y.test' }));
    await writeFile(path.join(dir, 'a.eml'), 'Subject: a\r\n\r\na\r\n');
    await writeFile(path.join(dir, 'a.json'), JSON.stringify({ from: '', to: ['r1@y.test', 'r2@[192.0.2.1]'] }));
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    const msgs = await readBatch(dir);
    expect(msgs.map((m) => [path.basename(m.name), m.from, m.to])).toEqual([
      ['a.eml', '', ['r1@y.test', 'r2@[192.0.2.1]']],
      ['b.eml', 's@x.test', ['r@y.test']],
    ]);
  });

  it('refuses a batch with a missing or bad sidecar, naming the file', async () => {
    await writeFile(path.join(dir, 'a.eml'), 'x');
    await expect(readBatch(dir)).rejects.toThrow(/a\.eml has no envelope file .*a\.json/);
    await writeFile(path.join(dir, 'a.json'), '{"from": "s@x.test", "to": []}');
    await expect(readBatch(dir)).rejects.toThrow(/a\.json: "to" must be/);
    await writeFile(path.join(dir, 'a.json'), '{"from": "s@x.test", "to": ["bad@@"]}');
    await expect(readBatch(dir)).rejects.toThrow(InputError);
    await writeFile(path.join(dir, 'a.json'), '{not json');
    await expect(readBatch(dir)).rejects.toThrow(/a\.json/);
  });

  it('checks every message file before anything is sent: missing, a folder, a FIFO or empty is refused, naming it', async () => {
    await writeFile(path.join(dir, 'a.eml'), 'Subject: a\r\n\r\na\r\n');
    await envelope('a');
    await envelope('b');
    // Missing: a name readdir lists (a dangling link) whose file is gone.
    await symlink(path.join(dir, 'gone'), path.join(dir, 'b.eml'));
    await expect(readBatch(dir)).rejects.toThrow(new RegExp(`^cannot read message ${path.join(dir, 'b.eml')}: ENOENT: no such file or directory$`));
    await unlink(path.join(dir, 'b.eml'));
    await mkdir(path.join(dir, 'b.eml'));
    await expect(readBatch(dir)).rejects.toThrow(/b\.eml: it is not a regular file$/);
    await rm(path.join(dir, 'b.eml'), { recursive: true });
    // A FIFO would block a read until some writer came: refused at once.
    execFileSync('mkfifo', [path.join(dir, 'b.eml')]);
    await expect(readBatch(dir)).rejects.toThrow(/b\.eml: it is not a regular file/);
    await unlink(path.join(dir, 'b.eml'));
    await writeFile(path.join(dir, 'b.eml'), '');
    await expect(readBatch(dir)).rejects.toThrow(/cannot read message .*b\.eml: it is empty/);
    await writeFile(path.join(dir, 'b.eml'), 'x');
    expect(await readBatch(dir)).toHaveLength(2);
  });

  it('refuses a message file it may not read (as root, who may read any file, checked as the user nobody)', async () => {
    await writeFile(path.join(dir, 'a.eml'), 'x');
    await envelope('a');
    await chmod(path.join(dir, 'a.eml'), 0o000);
    if (process.getuid?.() !== 0) {
      await expect(readBatch(dir)).rejects.toThrow(/cannot read message .*a\.eml: EACCES/);
      return;
    }
    // Root reads through any mode: the same check runs in the command, started as an unprivileged user.
    requireBundle();
    const home = await mkdtemp(path.join(os.tmpdir(), 'batch-home-'));
    try {
      await chmod(home, 0o777);
      await chmod(dir, 0o755);
      const run = spawnSync(process.execPath, [BIN, 'deliver', '--home', home, '--batch', dir], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(run.stderr).toMatch(/cannot read message .*a\.eml: EACCES/);
      expect(run.status).toBe(2);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('reads a sidecar saved with a UTF-8 byte order mark', async () => {
    await writeFile(path.join(dir, 'a.eml'), 'x');
    await writeFile(path.join(dir, 'a.json'), '\uFEFF{"from": "s@x.test", "to": ["r@y.test"]}');
    const [m] = await readBatch(dir);
    expect(m?.to).toEqual(['r@y.test']);
  });

  it('reads no message bytes up front: each file is read as it is when its transaction is sent', async () => {
    await writeFile(path.join(dir, 'a.eml'), 'Subject: first\r\n\r\nfirst\r\n');
    await envelope('a');
    const [m] = await readBatch(dir);
    const content = source(m!.content);
    expect(content.file).toBe(path.join(dir, 'a.eml'));
    // Changed after the check: the new bytes are what gets sent.
    await writeFile(path.join(dir, 'a.eml'), 'Subject: changed\r\n\r\nchanged\r\n');
    expect((await loadSource(content)).toString()).toBe('Subject: changed\r\n\r\nchanged\r\n');
    // Emptied, then deleted after the check: a reason naming the file, for its recipients' deferral.
    await writeFile(path.join(dir, 'a.eml'), '');
    await expect(loadSource(content)).rejects.toThrow(`4.3.0 cannot read message ${path.join(dir, 'a.eml')}: it is empty`);
    await unlink(path.join(dir, 'a.eml'));
    await expect(loadSource(content)).rejects.toThrow(`4.3.0 cannot read message ${path.join(dir, 'a.eml')}: ENOENT: no such file or directory`);
  });

  it('refuses an empty folder', async () => {
    await expect(readBatch(dir)).rejects.toThrow(/no \.eml files/);
  });
});

describe('single messages', () => {
  it('needs --from and --to and a non-empty message', async () => {
    const stdin = async () => Buffer.from('Subject: x\r\n\r\nx\r\n');
    await expect(readSingle(undefined, ['a@b.test'], undefined, stdin)).rejects.toThrow(/--from is required/);
    await expect(readSingle('s@a.test', [], undefined, stdin)).rejects.toThrow(/--to/);
    await expect(readSingle('s@a.test', ['a@b.test'], undefined, async () => Buffer.alloc(0))).rejects.toThrow(/empty/);
    const [m] = await readSingle('s@a.test', ['a@b.test'], undefined, stdin);
    expect(m?.name).toBe('-');
  });

  it('reads a message handed over as a pipe (deliver ... <(generate)), and refuses a folder', async () => {
    const fifo = path.join(dir, 'm.fifo');
    execFileSync('mkfifo', [fifo]);
    // The writer opens the pipe once the reader has: a shell's process substitution does the same.
    const writer = spawn('sh', ['-c', `printf 'Subject: piped\\r\\n\\r\\nbody\\r\\n' > '${fifo}'`]);
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    const [m] = await readSingle('s@a.test', ['a@b.test'], fifo, async () => Buffer.alloc(0));
    expect(String(m?.content)).toBe('Subject: piped\r\n\r\nbody\r\n');
    await exited;
    await expect(readSingle('s@a.test', ['a@b.test'], dir, async () => Buffer.alloc(0))).rejects.toThrow(/cannot read message .*: it is a folder/);
  });

  it('refuses a message over 256 MiB, from a file, a device, a batch or standard input, without reading it whole', async () => {
    const none = async (): Promise<Buffer> => Buffer.alloc(0);
    // A sparse file: its size is past the bound, its blocks are not written.
    const big = path.join(dir, 'big.eml');
    await writeFile(big, '');
    await truncate(big, 256 * 1024 * 1024 + 1);
    await expect(readSingle('s@a.test', ['a@b.test'], big, none)).rejects.toThrow(/cannot read message .*big\.eml: it is larger than 268435456 bytes \(256 MiB\), the most deliver reads \(268435457 bytes\)/);
    await envelope('big');
    await expect(readBatch(dir)).rejects.toThrow(/cannot read message .*big\.eml: it is larger than 268435456 bytes/);
    // A device that never ends: read up to the bound, then refused.
    await expect(readSingle('s@a.test', ['a@b.test'], '/dev/zero', none)).rejects.toThrow(/cannot read message \/dev\/zero: it is larger than 268435456 bytes/);
    // Standard input that never ends, through the command.
    requireBundle();
    const home = await mkdtemp(path.join(os.tmpdir(), 'batch-home-'));
    const zero = openSync('/dev/zero', 'r');
    try {
      const run = spawnSync(process.execPath, [BIN, 'deliver', '--home', home, '--from', 's@a.test', '--to', 'a@b.test', '-'], { stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8' });
      expect(run.stderr).toBe('destconfig: cannot read message -: it is larger than 268435456 bytes (256 MiB), the most deliver reads\n');
      expect(run.status).toBe(2);
    } finally {
      closeSync(zero);
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
