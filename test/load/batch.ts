// Shared by the load and fault tests: a table home with the rows a test needs (through the store API,
// as the shell's commit writes it), a batch folder in the `deliver --batch` format (NAME.eml with its
// envelope in NAME.json), and a measured run of `bin/destconfig deliver --batch ... --json`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitTable } from '../../src/store/index.js';
import { emptyTable, type DestTable } from '../../src/table/types.js';
import type { DeliveryReport, RecipientReport } from '../../src/delivery/types.js';
import { BIN, spawnMeasured, type MeasuredChild } from '../../bench/lib/measure.js';

export interface BatchMessage {
  from: string;
  to: string[];
  /** Body size in bytes (default about 1 KB). */
  size?: number;
}

export async function tableHome(home: string, configure: (table: DestTable) => void): Promise<void> {
  const table = emptyTable();
  configure(table);
  await commitTable(home, table, { baseRevision: 0, comment: 'load test' });
}

export function writeBatch(dir: string, messages: BatchMessage[]): void {
  mkdirSync(dir, { recursive: true });
  messages.forEach((m, i) => {
    const name = `m${String(i).padStart(5, '0')}`;
    const head = `From: <${m.from}>\r\nTo: ${m.to.map((t) => `<${t}>`).join(', ')}\r\nSubject: load ${i}\r\nMessage-ID: <load-${i}@load.test>\r\n\r\n`;
    const line = `body of message ${i} `.padEnd(70, '.') + '\r\n';
    writeFileSync(path.join(dir, `${name}.eml`), head + line.repeat(Math.max(1, Math.round((m.size ?? 1024) / line.length))));
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ from: m.from, to: m.to }));
  });
}

type TimeoutOption = 'connect' | 'command' | 'data' | 'tls';

/** Short timeouts (seconds) so the fault tests end quickly; generous enough for a loaded 2-core machine. */
export function shortTimeouts(overrides: Partial<Record<TimeoutOption, number>> = {}): string[] {
  const seconds: Record<TimeoutOption, number> = { connect: 3, command: 3, data: 3, tls: 3, ...overrides };
  return Object.entries(seconds).flatMap(([name, s]) => [`--${name}-timeout`, String(s)]);
}

export function runDeliverBatch(opts: {
  home: string;
  batch: string;
  dnsPort: number;
  smtpPort: number;
  log: string;
  extra?: string[];
}): MeasuredChild {
  return spawnMeasured([
    BIN,
    'deliver',
    '--batch',
    opts.batch,
    '--home',
    opts.home,
    '--dns-server',
    `127.0.0.1:${opts.dnsPort}`,
    '--port',
    String(opts.smtpPort),
    '--log',
    opts.log,
    '--helo',
    'client.load.test',
    '--json',
    ...(opts.extra ?? []),
  ]);
}

/** The --json report, or a failure naming what the command printed instead. */
export function parseReport(stdout: string, stderr: string): DeliveryReport {
  try {
    return JSON.parse(stdout) as DeliveryReport;
  } catch {
    throw new Error(`deliver printed no JSON report.\nstdout: ${stdout.slice(0, 500)}\nstderr: ${stderr.slice(0, 1000)}`);
  }
}

export function byAddress(report: DeliveryReport): Map<string, RecipientReport> {
  return new Map(report.recipients.map((r) => [r.address.toLowerCase(), r]));
}

/** Polls `test` until it holds; fails naming `what` after `ms` (a generous bound, never a timing assertion). */
export async function until(what: string, test: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
