// lock.ts under another file name and other rules (the delivery run lock's options): staleness by dead pid
// only, an unbounded wait reported once, given up on an abort. Real processes as holders. The commit
// lock's own behaviour is lock.test.ts's.
import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockWaitAbortedError, type LockHolder } from '../../src/store/errors.js';
import { removeOrphans } from '../../src/store/files.js';
import { withLock } from '../../src/store/lock.js';
import { freshHome, removeHomes } from './helpers/homes.js';
import { livingAndDeadPids, type TestPids } from './helpers/pids.js';

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

const host = os.hostname();
const RUN_LOCK = { fileName: 'deliver.lock', waitMs: Infinity, staleMs: Infinity };

/** A home whose `deliver.lock` names `pid`, `ageSeconds` old. */
async function homeWithRunLock(pid: number, ageSeconds = 0): Promise<string> {
  const home = await freshHome();
  await mkdir(home, { recursive: true });
  const file = path.join(home, 'deliver.lock');
  await writeFile(file, JSON.stringify({ pid, host, acquiredAt: '2026-11-29T00:00:00.000Z', token: 'x' }));
  if (ageSeconds > 0) {
    const then = new Date(Date.now() - ageSeconds * 1000);
    await utimes(file, then, then);
  }
  return home;
}

describe('a lock with its own file name (the delivery run lock)', () => {
  it('is taken in that file, leaves the commit lock alone, and is removed on release', async () => {
    const home = await freshHome();
    await mkdir(home, { recursive: true });
    const seen = await withLock(home, async () => readdir(home), RUN_LOCK);
    expect(seen).toEqual(['deliver.lock']);
    expect(await readdir(home)).toEqual([]);
  });

  it('takes over a dead holder at once, without reporting a wait', async () => {
    const home = await homeWithRunLock(deadPid);
    const waits: unknown[] = [];
    const holder = await withLock(home, async (lock) => JSON.parse(await readFile(lock.file, 'utf8')) as LockHolder, { ...RUN_LOCK, onWait: (h) => waits.push(h) });
    expect(holder.pid).toBe(process.pid);
    expect(waits).toEqual([]);
  });

  it('waits for a live holder however old its lock (no age rule), reports the wait once, and gives up on abort', async () => {
    const home = await homeWithRunLock(livePid, 3600);
    const waits: [LockHolder | null, string][] = [];
    const abort = new AbortController();
    const pending = withLock(home, async () => 'ran', { ...RUN_LOCK, signal: abort.signal, onWait: (h, f) => waits.push([h, f]) }).catch((e: unknown) => e);
    await sleep(1000); // several polls
    expect(waits).toEqual([[expect.objectContaining({ pid: livePid, host }), path.join(home, 'deliver.lock')]]);
    abort.abort('SIGTERM');
    const err = await pending;
    expect(err).toBeInstanceOf(LockWaitAbortedError);
    expect((err as LockWaitAbortedError).reason).toBe('SIGTERM');
    expect((err as LockWaitAbortedError).holder).toMatchObject({ pid: livePid });
    // The holder's lock is untouched, and no temp file is left.
    expect(await readdir(home)).toEqual(['deliver.lock']);
    expect(JSON.parse(await readFile(path.join(home, 'deliver.lock'), 'utf8'))).toMatchObject({ pid: livePid, token: 'x' });
  });

  it('takes the lock once the live holder releases it', async () => {
    const home = await homeWithRunLock(livePid);
    let waited = 0;
    const pending = withLock(home, async () => 'ran', { ...RUN_LOCK, onWait: () => waited++ });
    await sleep(300);
    await rm(path.join(home, 'deliver.lock'));
    expect(await pending).toBe('ran');
    expect(waited).toBe(1);
  });

  it('an already aborted signal takes nothing', async () => {
    const home = await freshHome();
    await mkdir(home, { recursive: true });
    const abort = new AbortController();
    abort.abort('SIGINT');
    await expect(withLock(home, async () => 'ran', { ...RUN_LOCK, signal: abort.signal })).rejects.toBeInstanceOf(LockWaitAbortedError);
    expect(await readdir(home)).toEqual([]);
  });

  it('orphan clean-up under the commit lock leaves a live acquirer’s run-lock temp file alone, removes a dead one’s', async () => {
    const home = await freshHome();
    await mkdir(home, { recursive: true });
    const live = `deliver.lock.${livePid}.abcdef.tmp`;
    const dead = `deliver.lock.${deadPid}.abcdef.tmp`;
    const table = `destconfig.json.${livePid}.abcdef.tmp`;
    for (const name of [live, dead, table]) await writeFile(path.join(home, name), '');
    expect((await removeOrphans(home, { lockHeld: true, staleMs: 60_000 })).sort()).toEqual([dead, table].sort());
    expect(await readdir(home)).toEqual([live]);
  });
});
