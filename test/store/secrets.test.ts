// The BATV secret: created once, kept private (0600, never in the table file), the same for every
// process that asks, and never echoed in an error.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TableFileError, commitTable, ensureSecret, loadTable, secretsPath, tablePath } from '../../src/store/index.js';
import { emptyTable } from '../../src/table/types.js';
import { startServers, stopAll, useChildScript, type Child } from './helpers/child-process.js';
import { freshHome, removeHomes } from './helpers/homes.js';

const childScript = useChildScript();
afterAll(removeHomes);

describe('ensureSecret', () => {
  it('creates 32 random bytes on first use and returns the same ones afterwards', async () => {
    const home = await freshHome();
    const first = await ensureSecret(home, 'batv');
    expect(first).toHaveLength(32);
    expect((await ensureSecret(home, 'batv')).equals(first)).toBe(true);
    const other = await ensureSecret(home, 'other');
    expect(other.equals(first)).toBe(false);
    expect((await ensureSecret(home, 'batv')).equals(first)).toBe(true);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(secretsPath(home))).mode & 0o777).toBe(0o600);
  });

  it('keeps the secret out of destconfig.json, and table commits leave secrets.json alone', async () => {
    const home = await freshHome();
    const secret = await ensureSecret(home, 'batv');
    const secretsBefore = await readFile(secretsPath(home), 'utf8');
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: '' });
    const table = await readFile(tablePath(home), 'utf8');
    expect(table).not.toContain(secret.toString('base64'));
    expect(table).not.toContain(secret.toString('hex'));
    expect(table).not.toMatch(/secret/i);
    expect(await readFile(secretsPath(home), 'utf8')).toBe(secretsBefore);
    expect((await loadTable(home)).revision).toBe(1);
  });

  it('gives two processes asking at once the same secret', { timeout: 30_000 }, async () => {
    const home = await freshHome();
    const children = await startServers(childScript(), home, 2);
    const [a, b] = children as [Child, Child];
    try {
      const [ra, rb] = await Promise.all([a.ask('secret batv'), b.ask('secret batv')]);
      const mine = createHash('sha256').update(await ensureSecret(home, 'batv')).digest('hex');
      expect(ra).toEqual({ sha256: mine });
      expect(rb).toEqual({ sha256: mine });
    } finally {
      stopAll(children);
    }
  });

  it('refuses a damaged secrets file without quoting it or replacing it', async () => {
    const home = await freshHome();
    await mkdir(home, { recursive: true });
    const text = '{"schema": 1, "secrets": {"batv": "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw=="';
    await writeFile(secretsPath(home), text);
    const err = await ensureSecret(home, 'batv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TableFileError);
    expect((err as Error).message).toContain(secretsPath(home));
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).not.toContain('c2VjcmV0');
    expect(await readFile(secretsPath(home), 'utf8')).toBe(text);
  });

  it.each([
    ['a newer schema', { schema: 2, secrets: {} }, /written by a newer destconfig/],
    ['a secret of the wrong size', { schema: 1, secrets: { batv: 'c2hvcnQ=' } }, /the secret "batv" must be 32 bytes in base64/],
  ])('refuses a secrets file with %s', async (_label, doc, message) => {
    const home = await freshHome();
    await mkdir(home, { recursive: true });
    await writeFile(secretsPath(home), JSON.stringify(doc));
    await expect(ensureSecret(home, 'batv')).rejects.toThrow(message);
  });

  it('refuses an invalid secret name', async () => {
    await expect(ensureSecret(await freshHome(), '../x')).rejects.toThrow(/Invalid secret name/);
  });
});
