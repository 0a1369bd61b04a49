// makeFolders / makeFoldersSync: mkdir -p that ends on every file system (Node's recursive mkdir loops
// forever under /proc), with the top-most created folder returned as Node's recursive mode returns it.
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders, makeFoldersSync } from '../../src/store/folders.js';
import { destconfig } from '../cli/run.js';

const scratch = (): string => mkdtempSync(path.join(os.tmpdir(), 'destconfig-folders-'));

describe.each([
  ['makeFolders', (d: string, mode?: number) => makeFolders(d, mode)],
  ['makeFoldersSync', async (d: string, mode?: number) => makeFoldersSync(d, mode)],
] as const)('%s', (_name, make) => {
  it('creates missing folders with the mode and returns the top-most one created', async () => {
    const base = scratch();
    const deep = path.join(base, 'a', 'b', 'c');
    expect(await make(deep, 0o700)).toBe(path.join(base, 'a'));
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(deep).mode & 0o077).toBe(0);
    expect(await make(deep)).toBeUndefined(); // already there
  });

  it('refuses a path through a file, naming it', async () => {
    const base = scratch();
    writeFileSync(path.join(base, 'file'), 'x');
    await expect(make(path.join(base, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(make(path.join(base, 'file'))).rejects.toThrow(path.join(base, 'file'));
  });

  it('ends with an error under /proc, where mkdir refuses (Node recursive mkdir never returns there)', async () => {
    if (!existsSync('/proc/self')) return; // Linux only
    await expect(make('/proc/destconfig-test/home')).rejects.toMatchObject({ code: 'ENOENT', path: '/proc/destconfig-test' });
  });
});

describe('the command line with a home folder that cannot be made', () => {
  it('ends with a clear error instead of hanging', () => {
    if (!existsSync('/proc/self')) return;
    const r = destconfig(['--home', '/proc/destconfig-test/home', 'import', path.join('fixtures', 'tables', 'valid', 'minimal.ini')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^destconfig: .*\/proc\/destconfig-test/m);
  });
});
