// The bench's command line: `npm run bench -- [--quick] [--only CASE,...] [--help]`. Strict, so a typo
// (`--qiuck`, `--only tabels`) is refused with status 2 instead of running the whole bench unasked.
import { parseArgs } from 'node:util';

export const CASES = ['startup', 'session', 'tables', 'delivery', 'cost'] as const;
export type CaseName = (typeof CASES)[number];

export const USAGE = `Usage: npm run bench -- [--quick] [--only CASE[,CASE...]] [--help]

Runs the performance cases side by side with their yardsticks, prints a table and writes
bench/results.json (medians with their spread).

  --quick            1 round instead of 3 (delivery: 7), startup 8 instead of 30: a smoke run, not
                     for the record (bench/results.json is still written, marked "quick": true)
  --only CASES       run only these cases, comma-separated: ${CASES.join(', ')}
  -h, --help         show this help

Environment: BENCH_CPU_PROF=DIR writes a V8 CPU profile of every delivery client run into DIR.
Exit status: 0 done (a goal missed is reported, not an error), 2 bad arguments.`;

export type BenchArgs = { help: true } | { help: false; quick: boolean; only: CaseName[] | null };

/** Parses the bench's arguments; throws an Error naming the bad one. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  let only: CaseName[] | null = null;
  if (values.only !== undefined) {
    const names = values.only.split(',').map((n) => n.trim()).filter((n) => n !== '');
    const unknown = names.find((n) => !(CASES as readonly string[]).includes(n));
    if (unknown !== undefined) throw new Error(`unknown case '${unknown}' in --only (cases: ${CASES.join(', ')})`);
    if (names.length === 0) throw new Error(`--only needs a case name (cases: ${CASES.join(', ')})`);
    only = names as CaseName[];
  }
  return { help: false, quick: values.quick ?? false, only };
}
