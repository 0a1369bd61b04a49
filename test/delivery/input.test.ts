import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, addressProblem, readBatch, readSingle } from '../../src/delivery/input.js';

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
});
