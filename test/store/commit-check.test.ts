// The commit checks entries one at a time, twice: before taking the lock, and again as each line is
// written. A table that changes between the two passes must not reach the file unchecked.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidTableError, commitTable, loadTable, tablePath } from '../../src/store/index.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { freshHome, removeHomes } from './helpers/homes.js';

afterAll(removeHomes);

describe('the commit load-back check', () => {
  it('refuses an entry that turns invalid after the first pass, and leaves the committed file and no temp file', async () => {
    const home = await freshHome();
    const first = emptyTable();
    first.entries.set('a.example', blankEntry('a.example'));
    await commitTable(home, first, { baseRevision: 0, comment: 'one' });
    const before = await readFile(tablePath(home), 'utf8');

    const next = emptyTable();
    const entry = blankEntry('b.example');
    let reads = 0;
    // Valid when the first pass reads it, invalid when the line is made again for writing.
    Object.defineProperty(entry, 'maxConcurrency', { enumerable: true, get: () => (++reads === 1 ? 5 : 0) });
    next.entries.set('b.example', entry);
    const err = await commitTable(home, next, { baseRevision: 1, comment: 'two' }).catch((e: unknown) => e);
    expect(reads).toBe(2);
    expect(err).toBeInstanceOf(InvalidTableError);
    expect((err as Error).message).toMatch(/entries\[0\] \("b\.example"\)\.maxConcurrency: must be an integer/);
    expect(await readFile(tablePath(home), 'utf8')).toBe(before);
    expect((await readdir(path.dirname(tablePath(home)))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await loadTable(home)).revision).toBe(1);
  });

  it('refuses an invalid entry before taking the lock or creating the home folder', async () => {
    const home = await freshHome();
    const t = emptyTable();
    t.entries.set('c.example', { ...blankEntry('c.example'), tls: 'sometimes' as never });
    await expect(commitTable(home, t, { baseRevision: 0, comment: 'bad' })).rejects.toThrow(InvalidTableError);
    await expect(readdir(home)).rejects.toThrow(/ENOENT/);
  });
});
