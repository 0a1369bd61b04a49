// The commit lock with real processes as holders: dead holders are taken over, live ones waited for
// within a bound, and temp files of killed writers are cleaned up.
import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, StaleRevisionError, commitTable, loadTable, lockPath, tablePath } from '../../src/store/index.js';
import { emptyTable } from '../../src/table/types.js';
import { freshHome, removeHomes } from './helpers/homes.js';
import { livingAndDeadPids, type TestPids } from './helpers/pids.js';
import { tableForRevision } from './helpers/tables.js';

let pids: TestPids;
let livePid = 0;
let deadPid = 0;

beforeAll(async () => {
  pids = await livingAndDeadPids();
  livePid = pids.live;
  deadPid = pids.dead;
});
afterAll(async () => {
  pids.stop();
  await removeHomes();
});

async function homeWithLock(holder: object | string, ageSeconds = 0): Promise<string> {
  const home = await freshHome();
  await mkdir(home, { recursive: true });
  await writeFile(lockPath(home), typeof holder === 'string' ? holder : JSON.stringify(holder));
  if (ageSeconds > 0) {
    const then = new Date(Date.now() - ageSeconds * 1000);
    await utimes(lockPath(home), then, then);
  }
  return home;
}

const host = os.hostname();
const commit = (home: string, lock: { waitMs?: number; staleMs?: number } = {}) =>
  commitTable(home, emptyTable(), { baseRevision: 0, comment: '', lock: { waitMs: 400, ...lock } });

describe('the commit lock', () => {
  it('takes over a lock whose holder process is gone', async () => {
    const home = await homeWithLock({ pid: deadPid, host, acquiredAt: new Date().toISOString(), token: 'dead' });
    expect((await commit(home)).revision).toBe(1);
    expect(await readdir(home)).toEqual(['destconfig.json']);
  });

  it('waits for a live holder within the bound, then names it and writes nothing', async () => {
    const holder = { pid: livePid, host, acquiredAt: '2026-01-01T00:00:00.000Z', token: 'live' };
    const home = await homeWithLock(holder);
    const err = await commit(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    const message = (err as Error).message;
    expect(message).toContain(lockPath(home));
    expect(message).toContain(`pid ${livePid} on host ${host}`);
    expect(message).toMatch(/Nothing was written.*remove/);
    expect(JSON.parse(await readFile(lockPath(home), 'utf8'))).toEqual(holder);
    expect(await readdir(home)).toEqual(['destconfig.lock']);
  });

  it('commits as soon as a live holder releases the lock', async () => {
    const home = await homeWithLock({ pid: livePid, host, acquiredAt: new Date().toISOString(), token: 'live' });
    const pending = commit(home, { waitMs: 20_000 });
    await sleep(300);
    await rm(lockPath(home));
    expect((await pending).revision).toBe(1);
  });

  it('takes over a live holder’s lock once it is older than the stale bound', async () => {
    const home = await homeWithLock({ pid: livePid, host, acquiredAt: '2026-01-01T00:00:00.000Z', token: 'hung' }, 5);
    await expect(commit(home)).rejects.toBeInstanceOf(LockTimeoutError);
    expect((await commit(home, { staleMs: 2_000 })).revision).toBe(1);
  });

  it('trusts another host’s lock until it is older than the stale bound', async () => {
    const young = await homeWithLock({ pid: deadPid, host: 'other.host.example', token: 'x' });
    await expect(commit(young)).rejects.toThrow(/pid \d+ on host other\.host\.example/);
    const old = await homeWithLock({ pid: deadPid, host: 'other.host.example', token: 'x' }, 120);
    expect((await commit(old)).revision).toBe(1);
  });

  it('waits briefly on an unreadable lock file, then takes it over', async () => {
    const young = await homeWithLock('garbage');
    await expect(commit(young)).rejects.toThrow(/held by an unreadable lock file/);
    const old = await homeWithLock('garbage', 5);
    expect((await commit(old)).revision).toBe(1);
  });

  it('takes over a lock naming this very pid that this process does not hold (a restarted container)', async () => {
    const home = await homeWithLock({ pid: process.pid, host, acquiredAt: new Date().toISOString(), token: 'previous-life' });
    expect((await commit(home)).revision).toBe(1);
  });

  it('serialises commits within one process: the second from the same base is refused, not let through', async () => {
    const home = await freshHome();
    const results = await Promise.allSettled([
      commitTable(home, tableForRevision(1, 500), { baseRevision: 0, comment: 'a' }),
      commitTable(home, tableForRevision(2, 500), { baseRevision: 0, comment: 'b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(StaleRevisionError);
    expect((await loadTable(home)).revision).toBe(1);
  });
});

describe('orphan temp files', () => {
  it('load removes those of dead writers; commit, holding the lock, removes every table temp file', async () => {
    const home = await freshHome();
    await commitTable(home, emptyTable(), { baseRevision: 0, comment: '' });
    const dead = [
      `destconfig.json.${deadPid}.0a1b2c.tmp`,
      `secrets.json.${deadPid}.0a1b2c.tmp`,
      `destconfig.lock.${deadPid}.0a1b2c.tmp`,
      `destconfig.lock.${deadPid}.0a1b2c.stale`,
    ];
    const live = `destconfig.json.${livePid}.0a1b2c.tmp`;
    for (const name of [...dead, live, 'notes.txt']) await writeFile(path.join(home, name), 'partial');
    await loadTable(home);
    expect((await readdir(home)).sort()).toEqual(['destconfig.json', live, 'notes.txt']);
    await commitTable(home, emptyTable(), { baseRevision: 1, comment: '' });
    expect((await readdir(home)).sort()).toEqual(['destconfig.json', 'notes.txt']);
    expect((await loadTable(home)).revision).toBe(2);
    expect(await readFile(tablePath(home), 'utf8')).toMatch(/"revision": 2/);
  });
});
