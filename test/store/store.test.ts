// Round trips of the committed table through real files: content, modes, layout, revisions.
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidTableError,
  SCHEMA_VERSION,
  StaleRevisionError,
  commitTable,
  loadTable,
  tablePath,
} from '../../src/store/index.js';
import { blankEntry, emptyTable, type DestTable } from '../../src/table/types.js';
import { freshHome, removeHomes } from './helpers/homes.js';
import { canonical, tableForRevision } from './helpers/tables.js';

afterAll(removeHomes);

/** A table using every kind of value the model has. */
function richTable(): DestTable {
  const t = emptyTable();
  t.defaults = {
    ...t.defaults,
    tls: 'preferred',
    recipientLimit: { limit: 0, minutes: 60 },
    limitType: 'mxip',
    limitApply: 'vg',
    dane: 'opportunistic',
    bounceVerification: true,
    bounceProfile: 'slow',
  };
  t.globals = { certificate: 'outbound', alertOnRequiredTlsFailure: true, daneEnabled: true };
  t.bounceProfiles = ['slow', 'fast-1'];
  t.certificates = [{ name: 'outbound', certFile: '/etc/destconfig/out.pem', keyFile: '/etc/destconfig/out.key' }];
  const entries = [
    { ...blankEntry('example.com'), tls: 'required' as const },
    {
      ...blankEntry('.example.org'),
      maxConcurrency: 1000,
      maxMessagesPerConnection: 1,
      recipientLimit: { limit: 1_000_000_000, minutes: 1 },
      limitType: 'domain' as const,
      limitApply: 'system' as const,
      bounceProfile: 'Default',
    },
    { ...blankEntry('[192.0.2.1]'), ipSortPref: 'REQUIRE_V4' as const, dane: 'mandatory' as const },
    { ...blankEntry('[2001:db8::1]'), bounceVerification: false, bounceProfile: 'fast-1' },
    { ...blankEntry('xn--bcher-kva.example'), tls: 'required_verify_hosted' as const },
  ];
  for (const e of entries) t.entries.set(e.destination, e);
  return t;
}

describe('loadTable and commitTable', () => {
  it('gives factory defaults at revision 0 when nothing was committed, without creating anything', async () => {
    const home = await freshHome();
    const loaded = await loadTable(home);
    expect(loaded).toEqual({ table: emptyTable(), revision: 0, committedAt: null, comment: '' });
    await expect(stat(home)).rejects.toThrow(/ENOENT/);
  });

  it('round-trips every field, with the comment and commit time', async () => {
    const home = await freshHome();
    const now = new Date('2026-03-01T10:20:30.456Z');
    const result = await commitTable(home, richTable(), { baseRevision: 0, comment: 'first: TLS for example.com', now });
    expect(result).toEqual({ revision: 1, committedAt: now });
    const loaded = await loadTable(home);
    expect(loaded.revision).toBe(1);
    expect(loaded.committedAt).toEqual(now);
    expect(loaded.comment).toBe('first: TLS for example.com');
    expect(canonical(loaded.table)).toEqual(canonical(richTable()));
  });

  it('creates the home folder 0700 and the file 0600, schema-versioned', async () => {
    const home = await freshHome();
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: '' });
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(tablePath(home))).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await readFile(tablePath(home), 'utf8'));
    expect(doc.schema).toBe(SCHEMA_VERSION);
    expect(doc.revision).toBe(1);
  });

  it('keeps the file 0600 when replacing one that a user made readable to others', async () => {
    const home = await freshHome();
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: '' });
    await chmod(tablePath(home), 0o644);
    await commitTable(home, emptyTable(), { baseRevision: 1, comment: '' });
    expect((await stat(tablePath(home))).mode & 0o777).toBe(0o600);
  });

  it('leaves an existing home folder’s mode alone', async () => {
    const home = await freshHome();
    await mkdir(home, { mode: 0o755 });
    await chmod(home, 0o755);
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: '' });
    expect((await stat(home)).mode & 0o777).toBe(0o755);
  });

  it('writes entries sorted, one per line, and the same table always to the same bytes', async () => {
    const a = await freshHome();
    const b = await freshHome();
    const now = new Date('2026-01-01T00:00:00.000Z');
    const reversed = richTable();
    reversed.entries = new Map([...reversed.entries].reverse());
    await commitTable(a, richTable(), { baseRevision: 0, comment: 'x', now });
    await commitTable(b, reversed, { baseRevision: 0, comment: 'x', now });
    const text = await readFile(tablePath(a), 'utf8');
    expect(await readFile(tablePath(b), 'utf8')).toBe(text);
    const entryLines = text.split('\n').filter((l) => l.startsWith('    {"destination"'));
    expect(entryLines.map((l) => JSON.parse(l.replace(/,$/, '')).destination)).toEqual([
      '.example.org',
      '[192.0.2.1]',
      '[2001:db8::1]',
      'example.com',
      'xn--bcher-kva.example',
    ]);
  });

  it('counts revisions up, one per commit', async () => {
    const home = await freshHome();
    for (let rev = 0; rev < 5; rev++) {
      expect((await commitTable(home, tableForRevision(rev + 1, 3), { baseRevision: rev, comment: `c${rev}` })).revision).toBe(rev + 1);
    }
    const loaded = await loadTable(home);
    expect(loaded.revision).toBe(5);
    expect(canonical(loaded.table)).toEqual(canonical(tableForRevision(5, 3)));
  });

  it('refuses a commit from a stale base revision, says what to do, and writes nothing', async () => {
    const home = await freshHome();
    await commitTable(home, tableForRevision(1, 2), { baseRevision: 0, comment: 'one' });
    await commitTable(home, tableForRevision(2, 2), { baseRevision: 1, comment: 'two' });
    const before = await readFile(tablePath(home), 'utf8');
    const err = await commitTable(home, tableForRevision(9, 2), { baseRevision: 1, comment: 'late' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleRevisionError);
    expect(err).toMatchObject({ baseRevision: 1, currentRevision: 2 });
    expect((err as Error).message).toMatch(/changed by another session/);
    expect((err as Error).message).toMatch(/clearchanges/);
    expect((err as Error).message).toMatch(/Nothing was written/);
    expect(await readFile(tablePath(home), 'utf8')).toBe(before);
  });

  it('refuses a commit based on a revision when no table exists yet', async () => {
    const home = await freshHome();
    await expect(commitTable(home, emptyTable(), { baseRevision: 3, comment: '' })).rejects.toMatchObject({
      name: 'StaleRevisionError',
      currentRevision: 0,
    });
  });

  it.each<[string, (t: DestTable) => void, RegExp]>([
    ['an out-of-range value', (t) => t.entries.set('a.example', { ...blankEntry('a.example'), maxConcurrency: 0 }), /entries\[0\] \("a\.example"\)\.maxConcurrency: must be an integer from 1 to 1,000 \(found 0\); or "default"/],
    ['an unknown bounce profile', (t) => t.entries.set('a.example', { ...blankEntry('a.example'), bounceProfile: 'nope' }), /bounce profile "nope"/],
    ['an entry under the wrong key', (t) => t.entries.set('a.example', blankEntry('b.example')), /entries "a\.example"/],
    ['a destination not in normal form', (t) => t.entries.set('A.example', blankEntry('A.example')), /write it as "a\.example"/],
    ['an unknown certificate', (t) => (t.globals.certificate = 'missing'), /globals\.certificate/],
    ['a field the store does not know', (t) => Object.assign(t.globals, { extra: 1 }), /globals: unknown key "extra"/],
  ])('refuses to commit a table with %s, writing nothing', async (_label, spoil, message) => {
    const home = await freshHome();
    const t = emptyTable();
    spoil(t);
    const err = await commitTable(home, t, { baseRevision: 0, comment: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTableError);
    expect((err as Error).message).toMatch(message);
    await expect(stat(home)).rejects.toThrow(/ENOENT/);
  });

  it('loads and commits a 100,000-entry table', { timeout: 120_000 }, async () => {
    const home = await freshHome();
    const big = tableForRevision(1, 100_000);
    await commitTable(home, big, { baseRevision: 0, comment: 'big' });
    const loaded = await loadTable(home);
    expect(loaded.table.entries.size).toBe(100_000);
    expect(loaded.table.entries.get('d99999.example')).toEqual(big.entries.get('d99999.example'));
    await commitTable(home, tableForRevision(2, 100_000), { baseRevision: 1, comment: 'big again' });
    expect(canonical((await loadTable(home)).table)).toEqual(canonical(tableForRevision(2, 100_000)));
  });
});
