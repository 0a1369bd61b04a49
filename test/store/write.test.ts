// The one atomic file writer (src/store/write.ts), used by the store's commit and by exports and the
// delivery state: on real files in a temporary folder.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeHomeFile } from '../../src/store/write.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'destconfig-write-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file atomically and leaves no temporary file behind', async () => {
    const file = path.join(folder, 't.txt');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(folder)).toEqual(['t.txt']);
  });

  it('writes text given in pieces in order, and bytes as they are', async () => {
    const file = path.join(folder, 'p.txt');
    await writeFileAtomic(file, (function* () { yield 'a'; yield 'é'.repeat(3); yield '\n'; })());
    expect(readFileSync(file, 'utf8')).toBe('aééé\n');
    await writeFileAtomic(file, Uint8Array.of(0xff, 0x00, 0x41));
    expect([...readFileSync(file)]).toEqual([0xff, 0x00, 0x41]);
  });

  it('keeps the old content and cleans up when the write fails', async () => {
    mkdirSync(path.join(folder, 'dir.txt'));
    writeFileSync(path.join(folder, 'dir.txt', 'keep'), 'k');
    await expect(writeFileAtomic(path.join(folder, 'dir.txt'), 'new')).rejects.toThrow();
    expect(readdirSync(folder)).toEqual(['dir.txt']);
    expect(readFileSync(path.join(folder, 'dir.txt', 'keep'), 'utf8')).toBe('k');
  });

  it('leaves the target and no temp file when the check before the rename refuses', async () => {
    const file = path.join(folder, 'locked.txt');
    writeFileSync(file, 'old');
    const refused = writeFileAtomic(file, 'new', { beforeRename: () => Promise.reject(new Error('lock lost')) });
    await expect(refused).rejects.toThrow('lock lost');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(folder)).toEqual(['locked.txt']);
  });

  it('replaces a symbolic link at the target instead of writing through it', async () => {
    const elsewhere = path.join(folder, 'elsewhere.txt');
    writeFileSync(elsewhere, 'untouched');
    const file = path.join(folder, 'link.txt');
    symlinkSync(elsewhere, file);
    await writeFileAtomic(file, 'new');
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
  });

  it('keepMode: a file it replaces keeps its mode (a new one gets the default)', async () => {
    const file = path.join(folder, 'private.ini');
    writeFileSync(file, 'old');
    // 0700: a mode the default (0644 under any umask) can never give, so only keepMode explains it.
    chmodSync(file, 0o700);
    await writeFileAtomic(file, 'new', { keepMode: true });
    expect(statSync(file).mode & 0o777).toBe(0o700);
    await writeFileAtomic(file, 'newer');
    expect(statSync(file).mode & 0o111).toBe(0);
  });

  it('followLink: writes through a symbolic link, replacing the file it names', async () => {
    const real = path.join(folder, 'real.txt');
    writeFileSync(real, 'old');
    const link = path.join(folder, 'link.txt');
    symlinkSync('real.txt', link);
    await writeFileAtomic(link, 'new', { followLink: true });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(readdirSync(folder).sort()).toEqual(['link.txt', 'real.txt']);
  });
});

describe('writeHomeFile', () => {
  it('gives the home folder file mode 0600 whatever it replaced, and leaves no side file', async () => {
    writeFileSync(path.join(folder, 'secrets.json'), '{}', { mode: 0o644 });
    await writeHomeFile(folder, 'secrets.json', ['{"a":', '1}']);
    expect(readFileSync(path.join(folder, 'secrets.json'), 'utf8')).toBe('{"a":1}');
    expect(statSync(path.join(folder, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['secrets.json']);
  });
});
