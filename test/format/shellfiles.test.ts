// The shell's IMPORT/EXPORT file API on real files in a temporary table home.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTableFile, resolveConfigPath, writeTableFile } from '../../src/format/shellfiles.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';

let home: string;
let folder: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'destconfig-files-'));
  folder = path.join(home, 'configuration');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('resolveConfigPath', () => {
  it('resolves plain and sub-folder names inside <home>/configuration, even before the folder exists', () => {
    expect(resolveConfigPath(home, 'destconfig.txt')).toEqual({ ok: true, path: path.join(folder, 'destconfig.txt') });
    expect(resolveConfigPath(home, '  old/table.ini ')).toEqual({ ok: true, path: path.join(folder, 'old', 'table.ini') });
    expect(resolveConfigPath(home, './a..b.txt')).toEqual({ ok: true, path: path.join(folder, 'a..b.txt') });
  });

  it('accepts a file whose name starts with two dots (`..backup.ini` is inside the folder, not above it)', () => {
    expect(resolveConfigPath(home, '..backup.ini')).toEqual({ ok: true, path: path.join(folder, '..backup.ini') });
    expect(resolveConfigPath(home, 'old/..t.ini')).toEqual({ ok: true, path: path.join(folder, 'old', '..t.ini') });
  });

  it.each(['../x.txt', 'a/../../x.txt', 'a/../b.txt', '..', '/etc/passwd', '~/x', '', '   ', '.', 'a\0b'])('refuses %j', (name) => {
    const r = resolveConfigPath(home, name);
    expect(r.ok).toBe(false);
  });

  it('says why a name is refused', () => {
    expect(resolveConfigPath(home, '../x')).toEqual({
      ok: false,
      error: `Invalid file name "../x": "../" is not allowed; files must be inside the configuration folder (${folder}).`,
    });
    expect(resolveConfigPath(home, '/etc/passwd')).toMatchObject({ ok: false, error: expect.stringContaining('absolute paths are not allowed') });
    expect(resolveConfigPath(home, '')).toEqual({ ok: false, error: 'A file name is required.' });
  });

  it('refuses symbolic links that lead out of the folder, to existing or not yet existing targets', () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'destconfig-outside-'));
    try {
      mkdirSync(folder);
      writeFileSync(path.join(outside, 'secret.txt'), 'x');
      symlinkSync(path.join(outside, 'secret.txt'), path.join(folder, 'link.txt'));
      symlinkSync(path.join(outside, 'not-yet.txt'), path.join(folder, 'dangling.txt'));
      symlinkSync(outside, path.join(folder, 'sub'));
      for (const name of ['link.txt', 'dangling.txt', 'sub/secret.txt', 'sub/new.txt']) {
        expect(resolveConfigPath(home, name)).toMatchObject({ ok: false, error: expect.stringContaining('symbolic link') });
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('accepts a symbolic link that stays inside, and a configuration folder that is itself a link', () => {
    const real = mkdtempSync(path.join(os.tmpdir(), 'destconfig-realconf-'));
    try {
      symlinkSync(real, folder);
      writeFileSync(path.join(real, 'a.txt'), 'x');
      symlinkSync('a.txt', path.join(real, 'b.txt'));
      expect(resolveConfigPath(home, 'b.txt')).toEqual({ ok: true, path: path.join(folder, 'b.txt') });
      expect(resolveConfigPath(home, 'new.txt')).toEqual({ ok: true, path: path.join(folder, 'new.txt') });
    } finally {
      rmSync(real, { recursive: true, force: true });
    }
  });
});

describe('writeTableFile and readTableFile', () => {
  it('creates the configuration folder on first export and reads the file back', async () => {
    const r = resolveConfigPath(home, 'destconfig.txt');
    if (!r.ok) throw new Error(r.error);
    const t = emptyTable();
    t.entries.set('example.com', { ...blankEntry('example.com'), tls: 'required' });
    await writeTableFile(r.path, t, new Date('2026-05-05T05:05:05Z'));
    const text = readFileSync(r.path, 'utf8');
    expect(text.split('\n')[0]).toBe('# Destination controls exported by destconfig at 2026-05-05T05:05:05Z');
    expect(text).toContain('\n[example.com]\ntable_tls = require\n');
    expect(readdirSync(folder)).toEqual(['destconfig.txt']);
    const back = await readTableFile(r.path);
    expect(back.ok && back.entries).toBe(1);
    expect(back.ok && back.table.entries.get('example.com')?.tls).toBe('required');
  });

  it('reports a missing file as one error naming it', async () => {
    const file = path.join(folder, 'nope.txt');
    expect(await readTableFile(file)).toEqual({ ok: false, errors: [`${file}: cannot read: no such file.`] });
  });
});
