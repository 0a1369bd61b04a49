// Case 2, scripted session: 1,000 and 10,000 NEW operations piped into the shell, then one commit.
// The number of questions NEW asks when every answer is the default is read from the shell itself
// (one NEW on a scratch table, counting the prompts), so the script follows the dialogue as built.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTable } from '../../src/store/index.js';
import { BIN, failure, measureNode, timeSpawn, type Measured } from '../lib/measure.js';
import type { Report } from '../lib/report.js';
import { fmtSummary, round, roundSummary, summarize } from '../lib/stats.js';

/** Prompts NEW shows after the domain when every answer is empty (the defaults). */
export function newDefaultPrompts(home: string): number {
  const probe = 'cal.bench.test';
  const r = timeSpawn(process.execPath, [BIN, '--home', home], {
    input: `destconfig\nnew\n${probe}\n` + '\n'.repeat(60),
    env: { ...process.env, NO_COLOR: '1' },
  });
  const out = r.stdout;
  const start = out.indexOf(`]> ${probe}`);
  const end = start < 0 ? -1 : out.indexOf('Choose the operation', start);
  if (start < 0 || end < 0) throw new Error(`could not read the NEW dialogue from the shell (${failure(r)})`);
  return out.slice(start + 3, end).split(']> ').length - 1;
}

export function sessionScript(ops: number, answersAfterDomain: number): string {
  const parts = ['destconfig\n'];
  const defaults = '\n'.repeat(answersAfterDomain);
  for (let i = 0; i < ops; i++) parts.push(`new\ns${i}.bench.test\n${defaults}`);
  parts.push('\ncommit\nbench session\nquit\n');
  return parts.join('');
}

export async function benchSession(report: Report, opts: { sizes: number[]; reps: number }): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-session-'));
  try {
    const prompts = newDefaultPrompts(path.join(dir, 'probe-home'));
    for (const n of opts.sizes) writeFileSync(path.join(dir, `script-${n}.txt`), sessionScript(n, prompts));
    const runs = new Map<number, Measured[]>();
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const n of opts.sizes) {
        const home = path.join(dir, `home-${n}-${rep}`);
        const r = measureNode([BIN, '--home', home], { stdinFile: path.join(dir, `script-${n}.txt`), stdoutToNull: true });
        if (r.status !== 0) throw new Error(`${n} NEW operations: ${failure(r)}`);
        const entries = (await loadTable(home)).table.entries.size;
        if (entries !== n) throw new Error(`${n} NEW operations committed ${entries} entries`);
        runs.set(n, [...(runs.get(n) ?? []), r]);
        rmSync(home, { recursive: true, force: true });
      }
    }
    const results: Record<string, unknown> = { reps: opts.reps, promptsPerNew: prompts + 1 };
    const medians: number[] = [];
    for (const n of opts.sizes) {
      const got = runs.get(n)!;
      const wall = summarize(got.map((r) => r.wallMs));
      const rss = summarize(got.map((r) => r.maxRssMb));
      medians.push(wall.median);
      results[n] = { wallMs: roundSummary(wall, 0), cpuMs: roundSummary(summarize(got.map((r) => r.cpuMs)), 0), maxRssMb: roundSummary(rss, 1) };
      report.row('session', `${n.toLocaleString('en')} NEW + commit (ms; peak MB)`, `${fmtSummary(wall, 0)}; ${rss.max.toFixed(0)}`);
    }
    if (medians.length === 2) {
      const ratio = medians[1]! / medians[0]!;
      results.ratio = round(ratio);
      const factor = opts.sizes[1]! / opts.sizes[0]!;
      report.row('session', `time ratio ${opts.sizes[1]!.toLocaleString('en')}/${opts.sizes[0]!.toLocaleString('en')}`, `${ratio.toFixed(1)}×`, `≈${factor} (linear)`, ratio <= factor * 1.3);
    }
    report.results.session = results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
