// Case 1, start-up: `destconfig --version` and `destconfig list` (10-entry table) against bare
// `node -e 0`, A/B interleaved (each round runs all three, in rotating order), medians with quartiles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { commitTable } from '../../src/store/index.js';
import { BIN, failure, timeSpawn } from '../lib/measure.js';
import type { Report } from '../lib/report.js';
import { fmtSummary, round, roundSummary, summarize } from '../lib/stats.js';

const GOAL = 1.25;

export async function tenEntryHome(): Promise<string> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'bench-home-'));
  const table = emptyTable();
  for (let i = 0; i < 10; i++) {
    const d = `example${i}.com`;
    table.entries.set(d, { ...blankEntry(d), tls: i % 2 ? 'required' : 'preferred', maxConcurrency: 10 + i, limitType: 'domain', limitApply: 'system' });
  }
  await commitTable(home, table, { baseRevision: 0, comment: 'bench' });
  return home;
}

export async function benchStartup(report: Report, opts: { rounds: number }): Promise<void> {
  const home = await tenEntryHome();
  // An empty ES module: the floor for any ESM entry point (Node's ESM loader costs start-up time that
  // `node -e 0` does not pay), shown for context; the goal stays against bare node.
  const emptyModule = path.join(home, 'empty.mjs');
  writeFileSync(emptyModule, '');
  try {
    const variants: { name: string; args: string[] }[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'node empty.mjs', args: [emptyModule] },
      { name: 'destconfig --version', args: [BIN, '--version'] },
      { name: 'destconfig list', args: [BIN, 'list', '--home', home] },
    ];
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const broken = new Map<string, string>();
    const warmup = 3;
    for (let round = 0; round < opts.rounds + warmup; round++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(round + k) % variants.length]!;
        const r = timeSpawn(process.execPath, v.args, { stdio: ['ignore', 'pipe', 'pipe'] });
        if (r.status !== 0 && !broken.has(v.name)) broken.set(v.name, failure(r));
        if (round >= warmup) samples.get(v.name)!.push(r.wallMs);
      }
    }
    const bare = summarize(samples.get('node -e 0')!);
    const results: Record<string, unknown> = { rounds: opts.rounds, bareNodeMs: roundSummary(bare) };
    report.row('startup', 'node -e 0 (ms)', fmtSummary(bare));
    for (const v of variants.slice(1)) {
      const s = summarize(samples.get(v.name)!);
      const ratio = s.median / bare.median;
      const why = broken.get(v.name);
      results[v.name] = why ? { error: why } : { ms: roundSummary(s), ratioToBareNode: round(ratio) };
      if (why) report.row('startup', v.name, 'fails', why.slice(0, 50), false);
      else if (v.name === 'node empty.mjs') report.row('startup', `${v.name} (ms, ×node)`, `${fmtSummary(s)} ${ratio.toFixed(2)}×`);
      else report.row('startup', `${v.name} (ms, ×node)`, `${fmtSummary(s)} ${ratio.toFixed(2)}×`, `≤${GOAL}× bare node`, ratio <= GOAL);
    }
    report.results.startup = results;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
