// A separate process driving the store, for the crash and concurrency tests (bundled with esbuild by
// child-process.ts). Modes:
//   loop HOME SIZE   commit revision after revision forever, printing `committed N` after each;
//   serve HOME       answer one JSON line per command line read from stdin:
//                    `load`, `commit TAG`, `add PREFIX COUNT`, `secret NAME`.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { blankEntry, cloneTable, type DestTable } from '../../../src/table/types.js';
import { StaleRevisionError, commitTable, ensureSecret, loadTable } from '../../../src/store/index.js';
import { tableForRevision } from './tables.js';

const [mode, home, arg] = process.argv.slice(2);
if (!home) throw new Error('usage: child.mjs loop|serve HOME [SIZE]');

if (mode === 'loop') {
  const size = Number(arg);
  process.stdout.write('ready\n');
  for (;;) {
    const { revision } = await loadTable(home);
    const next = await commitTable(home, tableForRevision(revision + 1, size), { baseRevision: revision, comment: `rev ${revision + 1}` });
    process.stdout.write(`committed ${next.revision}\n`);
  }
} else if (mode === 'serve') {
  let loaded: { table: DestTable; revision: number } | null = null;
  const reply = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, a, b] = line.split(' ');
    try {
      if (cmd === 'load') {
        loaded = await loadTable(home);
        reply({ revision: loaded.revision });
      } else if (cmd === 'commit' && loaded && a) {
        const t = cloneTable(loaded.table);
        t.entries.set(`${a}.example`, blankEntry(`${a}.example`));
        const r = await commitTable(home, t, { baseRevision: loaded.revision, comment: a });
        reply({ ok: true, revision: r.revision });
      } else if (cmd === 'add' && a && b) {
        let retries = 0;
        for (let i = 0; i < Number(b); i++) {
          for (;;) {
            const cur = await loadTable(home);
            cur.table.entries.set(`${a}-${i}.example`, blankEntry(`${a}-${i}.example`));
            try {
              await commitTable(home, cur.table, { baseRevision: cur.revision, comment: `${a} ${i}` });
              break;
            } catch (err) {
              if (!(err instanceof StaleRevisionError)) throw err;
              retries++;
            }
          }
        }
        reply({ ok: true, retries });
      } else if (cmd === 'secret' && a) {
        reply({ sha256: createHash('sha256').update(await ensureSecret(home, a)).digest('hex') });
      } else {
        reply({ error: `bad command: ${line}` });
      }
    } catch (err) {
      reply(err instanceof StaleRevisionError ? { stale: true, current: err.currentRevision } : { error: String(err) });
    }
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
