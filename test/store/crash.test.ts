// Real processes against real files: a committer killed with SIGKILL at random instants, and processes
// committing at the same time (ARCHITECTURE.md decision 4: a crash leaves the old or the new table, and
// no update is ever lost silently).
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { commitTable, loadTable } from '../../src/store/index.js';
import { runChild, startServers, stopAll, useChildScript, type Child } from './helpers/child-process.js';
import { freshHome, removeHomes } from './helpers/homes.js';
import { canonical, tableForRevision } from './helpers/tables.js';

const childScript = useChildScript();
afterAll(removeHomes);

describe('a commit killed with SIGKILL at random points', () => {
  it('always leaves the old or the new table, and the next commit cleans up and succeeds', { timeout: 120_000 }, async () => {
    const home = await freshHome();
    const size = 2000;
    const kills = 40;
    let leftovers = 0;
    await commitTable(home, tableForRevision(1, size), { baseRevision: 0, comment: 'start' });
    for (let k = 0; k < kills; k++) {
      const before = (await loadTable(home)).revision;
      const child = runChild(childScript(), ['loop', home, String(size)]);
      expect(await child.nextLine()).toBe('ready');
      await sleep(Math.random() * 120);
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');

      const reported = child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.slice(10)));
      const lastReported = Math.max(before, ...reported);
      const names = await readdir(home);
      if (names.some((n) => n !== 'destconfig.json')) leftovers++;

      // Whole revisions only: the one last reported, or the one whose rename beat the kill.
      const loaded = await loadTable(home);
      expect([lastReported, lastReported + 1]).toContain(loaded.revision);
      expect(canonical(loaded.table)).toEqual(canonical(tableForRevision(loaded.revision, size)));

      // The dead child's lock and temp files do not block the next commit, and are gone after it.
      const next = await commitTable(home, tableForRevision(loaded.revision + 1, size), {
        baseRevision: loaded.revision,
        comment: `after kill ${k}`,
        lock: { waitMs: 20_000 },
      });
      expect(next.revision).toBe(loaded.revision + 1);
      expect(await readdir(home)).toEqual(['destconfig.json']);
    }
    // Most kills land inside a commit (the child does nothing else), leaving a lock or a temp file behind.
    expect(leftovers).toBeGreaterThan(0);
  });
});

describe('processes committing at once', () => {
  it('from the same base revision: exactly one succeeds, the other is refused as stale', { timeout: 60_000 }, async () => {
    const home = await freshHome();
    const children = await startServers(childScript(), home, 2);
    const [a, b] = children as [Child, Child];
    try {
      for (let round = 0; round < 8; round++) {
        const [la, lb] = await Promise.all([a.ask('load'), b.ask('load')]);
        expect(la.revision).toBe(round);
        expect(lb.revision).toBe(round);
        const [ra, rb] = await Promise.all([a.ask(`commit a${round}`), b.ask(`commit b${round}`)]);
        const winners = [ra, rb].filter((r) => r.ok === true);
        const losers = [ra, rb].filter((r) => r.stale === true);
        expect(winners).toHaveLength(1);
        expect(losers).toEqual([{ stale: true, current: round + 1 }]);
        // The file holds the winner's change, and every earlier winner's change too.
        const { table, revision } = await loadTable(home);
        expect(revision).toBe(round + 1);
        expect(table.entries.has(ra.ok ? `a${round}.example` : `b${round}.example`)).toBe(true);
        expect(table.entries.has(ra.ok ? `b${round}.example` : `a${round}.example`)).toBe(false);
        expect(table.entries.size).toBe(round + 1);
      }
    } finally {
      stopAll(children);
    }
  });

  it('three processes adding entries with reload-and-retry on refusal lose no update', { timeout: 90_000 }, async () => {
    const home = await freshHome();
    const children = await startServers(childScript(), home, 3);
    try {
      const perChild = 15;
      const replies = await Promise.all(children.map((c, i) => c.ask(`add ${'pqr'[i]} ${perChild}`)));
      for (const r of replies) expect(r.ok).toBe(true);
      const { table, revision } = await loadTable(home);
      expect(revision).toBe(3 * perChild);
      expect(table.entries.size).toBe(3 * perChild);
      for (const p of ['p', 'q', 'r']) for (let i = 0; i < perChild; i++) expect(table.entries.has(`${p}-${i}.example`)).toBe(true);
    } finally {
      stopAll(children);
    }
  });
});
