// Case 3, tables: import, export, list and lookup through the command line at 10,000 and 100,000
// entries (wall time and the child's peak RSS), and lookups per second in process through the pure
// src/table/lookup.ts. Goals: linear growth, peak RSS under 200 MB at 100,000, ≥1,000,000 lookups/s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findEntry, lookup } from '../../src/table/lookup.js';
import { recipientDestination } from '../../src/table/domain.js';
import { BIN, failure, measureNode, type Measured } from '../lib/measure.js';
import type { Report } from '../lib/report.js';
import { fmtSummary, round, roundSummary, summarize } from '../lib/stats.js';
import { generatedTable, lookupRecipients, tableFileText } from '../lib/tables.js';

const OPS = ['import', 'export', 'list', 'lookup'] as const;
type Op = (typeof OPS)[number];
const RSS_GOAL_MB = 200;
const LOOKUP_GOAL = 1_000_000;

/** Calls `fn` over the inputs for about a second; returns calls per second. */
function rate<T>(inputs: T[], fn: (input: T) => unknown): number {
  let done = 0;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1000) {
    for (const x of inputs) if (fn(x)) hits++;
    done += inputs.length;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  if (hits === 0) throw new Error('no call returned an answer');
  return (done / elapsed) * 1000;
}

function lookupsPerSecond(n: number): { perSecond: number; findEntryPerSecond: number; checked: number } {
  const table = generatedTable(n);
  const recipients = lookupRecipients(n, 100_000);
  // Correctness first: the bench measures the real lookup, so its answers must be the expected ones.
  let checked = 0;
  for (let k = 0; k < 300; k++) {
    const r = lookup(table, recipients[k]!);
    const expectEntry = k % 3 !== 2;
    if (!r || (r.matched !== null) !== expectEntry) throw new Error(`lookup(${recipients[k]}) gave ${r?.matched ?? 'Default'}`);
    checked++;
  }
  const perSecond = rate(recipients, (r) => lookup(table, r)?.matched);
  // The governing-entry search alone, on destinations already normalised: separates the cost of address
  // normalisation and of building the effective row from the table search itself.
  const destinations = recipients.map((r) => recipientDestination(r) as string);
  const findEntryPerSecond = rate(destinations, (d) => findEntry(table, d) ?? true);
  return { perSecond, findEntryPerSecond, checked };
}

export async function benchTables(report: Report, opts: { sizes: number[]; reps: number }): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tables-'));
  const results: Record<string, unknown> = { reps: opts.reps };
  try {
    const runs = new Map<string, Measured[]>();
    const errors = new Map<string, string>();
    for (const n of opts.sizes) writeFileSync(path.join(dir, `table-${n}.ini`), tableFileText(n));
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const n of opts.sizes) {
        const home = path.join(dir, `home-${n}-${rep}`);
        const file = path.join(dir, `table-${n}.ini`);
        const args: Record<Op, string[]> = {
          import: [BIN, 'import', file, '--home', home],
          export: [BIN, 'export', path.join(dir, `export-${n}-${rep}.ini`), '--home', home],
          list: [BIN, 'list', '--home', home],
          lookup: [BIN, 'lookup', `user@mail.t${n - 1}.example`, '--home', home],
        };
        for (const op of OPS) {
          const r = measureNode(args[op], { stdoutToNull: op === 'list' });
          const key = `${op}/${n}`;
          if (r.status !== 0) {
            if (!errors.has(key)) errors.set(key, failure(r));
            continue;
          }
          runs.set(key, [...(runs.get(key) ?? []), r]);
        }
        rmSync(home, { recursive: true, force: true });
      }
    }
    for (const op of OPS) {
      const perSize: Record<string, unknown> = {};
      const medians: number[] = [];
      for (const n of opts.sizes) {
        const key = `${op}/${n}`;
        const got = runs.get(key) ?? [];
        if (got.length === 0) {
          perSize[n] = { error: errors.get(key) ?? 'no run' };
          report.row('tables', `${op} ${n.toLocaleString('en')}`, 'fails', (errors.get(key) ?? '').slice(0, 60), false);
          continue;
        }
        const wall = summarize(got.map((r) => r.wallMs));
        const rss = summarize(got.map((r) => r.maxRssMb));
        medians.push(wall.median);
        perSize[n] = { wallMs: roundSummary(wall, 0), maxRssMb: roundSummary(rss, 1) };
        const rssOk = n < 100_000 ? null : rss.max <= RSS_GOAL_MB;
        report.row('tables', `${op} ${n.toLocaleString('en')} (ms; peak MB)`, `${fmtSummary(wall, 0)}; ${rss.max.toFixed(0)}`, n >= 100_000 ? `<${RSS_GOAL_MB} MB` : '', rssOk);
      }
      if (medians.length === 2 && opts.sizes.length === 2) {
        const growth = medians[1]! / medians[0]!;
        const factor = opts.sizes[1]! / opts.sizes[0]!;
        perSize.growth = round(growth);
        report.row('tables', `${op} time ×${factor} entries`, `${growth.toFixed(1)}×`, `≤${factor}× (linear)`, growth <= factor * 1.2);
      }
      results[op] = perSize;
    }
    const inProcess: Record<string, unknown> = {};
    for (const n of opts.sizes) {
      const { perSecond, findEntryPerSecond, checked } = lookupsPerSecond(n);
      inProcess[n] = { lookupsPerSecond: Math.round(perSecond), findEntryPerSecond: Math.round(findEntryPerSecond), answersChecked: checked };
      report.row('tables', `  findEntry() alone, ${n.toLocaleString('en')} entries (/s)`, Math.round(findEntryPerSecond).toLocaleString('en'));
      report.row('tables', `lookup() in process, ${n.toLocaleString('en')} entries (/s)`, Math.round(perSecond).toLocaleString('en'), '≥1,000,000/s', perSecond >= LOOKUP_GOAL);
    }
    results.inProcess = inProcess;
    report.results.tables = results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
