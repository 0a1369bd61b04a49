// Driving the built product the way a user does: a table imported from an ESA table file (issue 3), then
// `destconfig deliver --json` against the peers (issue 4).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryReport, RecipientReport } from '../../../src/delivery/types.js';
// The file's words for the modes (tls-modes.test.ts checks the mode in force, so a wrong word is caught).
import { TLS_WORDS } from '../../../src/format/keys.js';
import type { TlsMode } from '../../../src/table/types.js';
import type { PeersEnv } from './peers-env.js';
import { runTool, type ToolResult } from './tools.js';

export const DESTCONFIG = new URL('../../../bin/destconfig', import.meta.url).pathname;


/** An ESA table file: a complete [DEFAULT] row plus one section per destination setting only its TLS mode. */
export function tableFile(defaultTls: TlsMode, entries: Record<string, TlsMode>): string {
  const lines = [
    '# destconfig interop test table',
    '[DEFAULT]',
    'ip_sort_pref = PREFER_V4',
    'max_host_concurrency = 500',
    'max_messages_per_connection = 50',
    'limit_type = host',
    'limit_apply = system',
    `table_tls = ${TLS_WORDS[defaultTls]}`,
    'bounce_validation = off',
    '',
  ];
  for (const [domain, mode] of Object.entries(entries)) lines.push(`[${domain}]`, `table_tls = ${TLS_WORDS[mode]}`, '');
  return lines.join('\n');
}

/**
 * A fresh table home holding the given table, committed through `destconfig import`. Homes live in the
 * peers' run folder, so they go with it (or stay with it under PEERS_KEEP).
 */
export async function homeWithTable(peers: PeersEnv, table: string): Promise<string> {
  const homes = join(peers.base, 'homes');
  mkdirSync(homes, { recursive: true });
  const home = mkdtempSync(join(homes, 'home-'));
  const file = join(home, 'interop-table.txt');
  writeFileSync(file, table);
  const r = await runTool(DESTCONFIG, ['--home', home, 'import', file]);
  if (r.code !== 0) {
    throw new Error(`destconfig import failed (exit ${r.code}); is the import command on this branch?\n${r.output.trim()}`);
  }
  return home;
}

/**
 * A table home made on first use and shared by the tests that use it. Made inside the tests rather than in
 * beforeAll, so that when import is missing or broken each test fails with the reason (a failing beforeAll
 * would only mark them skipped).
 */
export function sharedHome(peers: PeersEnv, table: string): () => Promise<string> {
  let home: Promise<string> | undefined;
  return () => (home ??= homeWithTable(peers, table));
}

export interface DeliverRun extends ToolResult {
  report: DeliveryReport;
  /** The mail log destconfig wrote (`<home>/mail.log`). */
  mailLog: string;
}

export interface DeliverOptions {
  to: string[];
  from?: string;
  /** Pass the run's CA with --ca-file (default true). */
  withCa?: boolean;
  /** A token put in the Subject and body, to find the message in the Maildir. */
  token: string;
}

export function messageText(from: string, to: string[], token: string): string {
  return [
    `From: Interop Test <${from}>`,
    `To: ${to.join(', ')}`,
    `Subject: interop ${token}`,
    `Message-ID: <${token}@client.test>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    '',
    `Body of ${token}.`,
    '.leading dot that must be stuffed',
    '',
  ].join('\r\n');
}

/**
 * The whole interop run must stay well under 5 minutes even when deliver hangs: every deliver run gets at
 * most what is left of a budget shared by all test files (kept in the peers' folder, since each file runs
 * in its own process), and none starts once it is spent.
 */
const DELIVER_BUDGET_MS = 150_000;
const DELIVER_RUN_MAX_MS = 40_000;

function budgetFile(peers: PeersEnv): string {
  return join(peers.base, 'deliver-time-spent');
}

function budgetLeft(peers: PeersEnv): number {
  const file = budgetFile(peers);
  const spent = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).reduce((a, n) => a + Number(n), 0) : 0;
  return DELIVER_BUDGET_MS - spent;
}

/** Runs `destconfig deliver --json` for one message; fails clearly when the command gives no JSON report. */
export async function deliver(peers: PeersEnv, home: string, o: DeliverOptions): Promise<DeliverRun> {
  const left = budgetLeft(peers);
  if (left <= 0) throw new Error(`interop time budget spent: deliver runs took ${DELIVER_BUDGET_MS / 1000} s in all; earlier runs were too slow or hung`);
  const from = o.from ?? 'sender@client.test';
  const file = join(home, `${o.token}.eml`);
  writeFileSync(file, messageText(from, o.to, o.token));
  const args = ['--home', home, 'deliver', '--from', from];
  for (const t of o.to) args.push('--to', t);
  args.push('--dns-server', peers.dnsServer, '--port', String(peers.smtpPort), '--json');
  if (o.withCa !== false) args.push('--ca-file', peers.caFile);
  args.push(file);
  const started = Date.now();
  const r = await runTool(DESTCONFIG, args, { timeoutMs: Math.min(DELIVER_RUN_MAX_MS, left) });
  appendFileSync(budgetFile(peers), `${Date.now() - started}\n`);
  if (r.code === null) throw new Error(`destconfig deliver did not finish within ${Math.min(DELIVER_RUN_MAX_MS, left) / 1000} s and was killed\n${r.output.trim().slice(0, 2000)}`);
  let report: DeliveryReport;
  try {
    report = JSON.parse(r.stdout) as DeliveryReport;
  } catch {
    throw new Error(
      `destconfig deliver gave no JSON report (exit ${r.code}); is the deliver command on this branch?\n` +
        `command: bin/destconfig ${args.join(' ')}\n${r.output.trim().slice(0, 2000)}`,
    );
  }
  const logFile = join(home, 'mail.log');
  return { ...r, report, mailLog: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
}

/** The report entry of one recipient (exactly one is expected). */
export function recipient(run: DeliverRun, address: string): RecipientReport {
  const found = run.report.recipients.filter((r) => r.address.toLowerCase() === address.toLowerCase());
  if (found.length !== 1) {
    throw new Error(`expected one report entry for ${address}, found ${found.length}:\n${JSON.stringify(run.report, null, 2)}`);
  }
  return found[0]!;
}

/** The text of a report entry's reply and reason, for asserting on status codes wherever they are carried. */
export function outcomeText(r: RecipientReport): string {
  return [r.reply ? `${r.reply.code} ${r.reply.enhanced ?? ''} ${r.reply.text}` : '', r.reason ?? ''].join(' | ');
}

export function describeRun(run: DeliverRun): string {
  return `exit ${run.code}\nreport: ${JSON.stringify(run.report, null, 2)}\nstderr: ${run.stderr.trim()}\nmail.log:\n${run.mailLog.trim()}`;
}
