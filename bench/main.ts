// `npm run bench`: every case, side by side with its yardstick in the same run, then a printed table and
// bench/results.json. `npm run bench -- --quick` runs fewer rounds (a smoke run, not for the record);
// `--only startup,tables` picks cases.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO } from './lib/measure.js';
import { Report } from './lib/report.js';
import { benchStartup } from './cases/startup.js';
import { benchDelivery } from './cases/delivery.js';
import { benchTables } from './cases/tables.js';
import { benchSession } from './cases/session.js';
import { benchCost } from './cases/cost.js';
import { parseBenchArgs, USAGE, type BenchArgs, type CaseName } from './lib/args.js';

let parsed: BenchArgs;
try {
  parsed = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { quick, only } = parsed;
const wanted = (name: CaseName): boolean => !only || only.includes(name);

const report = new Report();
const cases: { name: CaseName; run: () => Promise<void> }[] = [
  { name: 'startup', run: () => benchStartup(report, { rounds: quick ? 8 : 30 }) },
  { name: 'session', run: () => benchSession(report, { sizes: [1_000, 10_000], reps: quick ? 1 : 3 }) },
  { name: 'tables', run: () => benchTables(report, { sizes: [10_000, 100_000], reps: quick ? 1 : 3 }) },
  {
    name: 'delivery',
    run: () =>
      benchDelivery(report, {
        // Seven rounds: the delivery ratios move with both clients' run-to-run spread; a median of 7 holds steadier.
        rounds: quick ? 1 : 7,
        workload: { messages: 2000, domains: 20, sizeBytes: 10 * 1024, concurrency: 2, messagesPerConnection: 50 },
        sinks: ['smtp-server', 'raw'],
      }),
  },
  {
    name: 'cost',
    run: () =>
      benchCost(report, {
        sizes: [2_000, 20_000],
        base: { domains: 20, sizeBytes: 10 * 1024, concurrency: 2, messagesPerConnection: 50 },
      }),
  },
];

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const started = Date.now();
for (const c of cases) {
  if (!wanted(c.name)) continue;
  process.stderr.write(`bench: ${c.name} ...\n`);
  try {
    await c.run();
  } catch (err) {
    report.skipped(c.name, err instanceof Error ? err.message : String(err));
  }
}

const results = {
  meta: {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    quick,
    only: only ?? 'all',
    durationS: Math.round((Date.now() - started) / 1000),
  },
  ...report.results,
};
const out = path.join(REPO, 'bench', 'results.json');
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(report.table() + '\n\n');
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out} (${results.meta.durationS} s)\n`);
