// `destconfig deliver`, `tlsverify` and `daneverify` behind the command line: option checks (status 2 with a
// message naming the bad value), wiring of the real resolver, connector, mail log and alerts, the report,
// SIGTERM/SIGINT handling and the exit status (75 after a signal unless something bounced: issue 6); a
// deliver run holds the home's run lock (run-lock.ts) while it loads, uses and saves the delivery state.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { isIP } from 'node:net';
import path from 'node:path';
import { CliError, EXIT } from '../cli/exit.js';
import type { DaneVerifyCliOptions, DeliverCliOptions, TlsVerifyCliOptions } from '../cli/commands/delivery.js';
import { TableFileError, loadTable } from '../store/index.js';
import { readStreamBounded } from '../store/bounded-read.js';
import type { DestTable } from '../table/types.js';
import { lookup } from '../table/lookup.js';
import { TlsAlerts } from './alerts.js';
import { loadBatvKey } from './batv.js';
import { deliver, type DeliverResult, type InputMessage } from './deliver.js';
import { MxResolver, createResolver, dnsQueryTimeout, parseDnsServer } from './dns.js';
import { InputError, readBatch, readSingle } from './input.js';
import { MailLog } from './maillog.js';
import { readCaFile } from './ca-file.js';
import { isLocalAddress } from './local-address.js';
import { MAX_MESSAGE_BYTES, tooLargeText } from './message-source.js';
import { DELIVER_EXIT, exitStatus, reportJson, reportText } from './report.js';
import { connect } from './session.js';
import { tableUsesDane } from './dane/hook.js';
import { runTlsVerify } from './tlsverify.js';
import { DEFAULT_TIMEOUTS, type Timeouts } from './types.js';
import { loadState, saveState, stateFile } from './state.js';
import { RecipientWindows } from './limits.js';
import { withRunLock } from './run-lock.js';

function usage(message: string): never {
  throw new CliError(message, EXIT.USAGE);
}

function positiveInt(name: string, raw: string, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) usage(`${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
  return n;
}

function seconds(name: string, raw: string): number {
  return positiveInt(name, raw, 86_400) * 1000;
}

export function dnsServers(raw: string[] = []): string[] {
  return raw.map((s) => parseDnsServer(s) ?? usage(`--dns-server must be an IP address with an optional port (HOST[:PORT], [IPv6]:PORT), not ${JSON.stringify(s)}`));
}

/** The --ca-file's certificates, or undefined without the option; a file that cannot be used is status 2. */
export async function caFileCerts(file: string | undefined): Promise<string[] | undefined> {
  if (!file) return undefined;
  try {
    return await readCaFile(file);
  } catch (err) {
    usage((err as Error).message);
  }
}

export function heloName(raw: string | undefined): string {
  const name = (raw ?? os.hostname()).trim();
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f.:]+\]$|^\[IPv6:[0-9A-Fa-f.:]+\]$/.test(name)) usage(`--helo must be a host name or an address literal, not ${JSON.stringify(raw)}`);
  return name;
}

/** The SETUP certificate, presented when a server asks for a client certificate. 'Demo' presents none. */
async function clientCertificate(table: DestTable): Promise<{ cert: string; key: string } | undefined> {
  const profile = table.certificates.find((c) => c.name === table.globals.certificate);
  if (!profile) return undefined;
  try {
    return { cert: await readFile(profile.certFile, 'utf8'), key: await readFile(profile.keyFile, 'utf8') };
  } catch (err) {
    throw new CliError(`cannot read certificate profile ${profile.name}: ${(err as Error).message}`, EXIT.FAILURE);
  }
}

/**
 * The BATV key, read before anything is sent when a row governing one of the recipients tags senders, so
 * that a damaged or unreadable secrets file is refused as a damaged table is (status 1, naming the file).
 * Read only when the first tagged message went out, it ended the run there as an internal error, with no
 * report, after other destinations may already have been sent to. Null when no row tags (nothing is read,
 * nor a key made).
 */
async function preloadBatvKey(home: string, table: DestTable, messages: InputMessage[]): Promise<Buffer | null> {
  const tags = (address: string): boolean => lookup(table, address)?.bounceVerification.value === true;
  if (!messages.some((m) => m.from !== '' && m.to.some(tags))) return null;
  try {
    return await loadBatvKey(home);
  } catch (err) {
    if (err instanceof TableFileError) throw new CliError(err.message, EXIT.FAILURE);
    throw new CliError(`cannot read the bounce verification key: ${(err as Error).message}`, EXIT.FAILURE);
  }
}

/** The message on standard input, at most MAX_MESSAGE_BYTES (`deliver - < /dev/zero` is refused, not read until memory runs out). */
async function readStdin(): Promise<Buffer> {
  const bytes = await readStreamBounded(process.stdin, MAX_MESSAGE_BYTES);
  if (!bytes) throw new Error(tooLargeText());
  return bytes;
}

export async function runDeliverCommand(opts: DeliverCliOptions & { home: string; message?: string }): Promise<number> {
  // Options first: nothing is read or sent when any of them is wrong.
  const port = positiveInt('--port', opts.port, 65535);
  const timeouts: Timeouts = {
    ...DEFAULT_TIMEOUTS,
    connectMs: seconds('--connect-timeout', opts.connectTimeout),
    greetingMs: seconds('--command-timeout', opts.commandTimeout),
    commandMs: seconds('--command-timeout', opts.commandTimeout),
    dataMs: seconds('--data-timeout', opts.dataTimeout),
    tlsMs: seconds('--tls-timeout', opts.tlsTimeout),
  };
  const maxConnections = positiveInt('--max-connections', opts.maxConnections, 10_000);
  const servers = dnsServers(opts.dnsServer);
  const sources = opts.source ?? [];
  const to = opts.to ?? [];
  for (const s of sources) if (!isIP(s)) usage(`--source must be a local IP address, not ${JSON.stringify(s)}`);
  for (const s of sources) if (!(await isLocalAddress(s))) usage(`--source ${s} is not an address of this machine`);
  const helo = heloName(opts.helo);
  const extraCa = await caFileCerts(opts.caFile);
  if (opts.batch && (opts.message || opts.from !== undefined || to.length > 0))
    usage('--batch takes its envelopes from NAME.json files; give no --from, --to or message file with it');

  let messages: InputMessage[];
  try {
    messages = opts.batch ? await readBatch(opts.batch) : await readSingle(opts.from, to, opts.message, readStdin);
  } catch (err) {
    if (err instanceof InputError) usage(err.message);
    throw err;
  }

  const abort = new AbortController();
  const cut = new AbortController();
  // SIGTERM or SIGINT: the first stops the run (no new transaction; while waiting for the run lock, the wait
  // and the run: nothing sent, status 75), a second cuts what is still open. Both stay handled until the
  // report is written: Node's default action would end the process without it, and a script would not know
  // what was delivered.
  let signals = 0;
  // The signal's name is the abort reason: the mail log names it.
  const onSignal = (signal: NodeJS.Signals): void => (++signals === 1 ? abort : cut).abort(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // Read before waiting for the run lock, so that a table that cannot be read fails at once; read again
    // after a wait, so that a commit made meanwhile governs this run as it would the appliance's queue.
    let table = await readTable(opts.home);
    const run: RunSettings = { messages, port, timeouts, maxConnections, servers, sources, helo, extraCa, abort, cut };
    // One run at a time on a home (run-lock.ts): the state is loaded and saved under the lock.
    const { result, failures } = await withRunLock(
      opts.home,
      async (waited) => {
        if (waited) table = await readTable(opts.home);
        return deliverAndSave(opts, table, run);
      },
      { signal: abort.signal, say: (line) => process.stderr.write(line + '\n') },
    );
    // Issue 6: a run stopped by a signal ends with 75, also when everything happened to be delivered before it
    // stopped (69 stays: something bounced).
    const outcome = exitStatus(result.report);
    const status = signals > 0 && outcome === DELIVER_EXIT.OK ? DELIVER_EXIT.DEFERRED : outcome;
    // Known before the report is written: a reader that goes away while it is (`| head -1`) ends the process
    // with process.exitCode (src/cli/main.ts), which must be this run's status, not 0 ("all delivered").
    process.exitCode = failures.length > 0 ? EXIT.FAILURE : status;
    // Written after the run lock is released: a slow reader of the report must not hold up the next run.
    await writeOut(opts.json ? reportJson(result.report) : reportText(result.report));
    if (failures.length > 0) throw new CliError(failures.join('\ndestconfig: '), EXIT.FAILURE);
    return status;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function readTable(home: string): Promise<DestTable> {
  try {
    return (await loadTable(home)).table;
  } catch (err) {
    // A damaged table file, or a home that cannot be read (not a folder, no permission): say which and why,
    // send nothing (status 1, not an internal error), in the words of the table commands.
    if (err instanceof TableFileError) throw new CliError(err.message, EXIT.FAILURE);
    throw new CliError(`cannot read the table in ${home}: ${err instanceof Error ? err.message : String(err)}`, EXIT.FAILURE);
  }
}

/** What runDeliverCommand checked and set up before taking the run lock. */
interface RunSettings {
  messages: InputMessage[];
  port: number;
  timeouts: Timeouts;
  maxConnections: number;
  servers: string[];
  sources: string[];
  helo: string;
  extraCa: string[] | undefined;
  abort: AbortController;
  cut: AbortController;
}

/**
 * The run proper, under the run lock: loads the delivery state, delivers, closes the mail log and saves the
 * state. Failures of the mail log, the alert log or the state file are returned, not thrown: the report goes
 * out whatever happens to them (it says what was delivered, which a script must know so as not to send it
 * again), and they come after it, status 1.
 */
async function deliverAndSave(
  opts: DeliverCliOptions & { home: string },
  table: DestTable,
  run: RunSettings,
): Promise<{ result: DeliverResult; failures: string[] }> {
  const { messages, timeouts, servers } = run;
  const clientCert = await clientCertificate(table);
  const batvKey = await preloadBatvKey(opts.home, table, messages);
  const logFile = path.resolve(opts.log ?? path.join(opts.home, 'mail.log'));
  let log: MailLog;
  try {
    log = new MailLog(logFile);
  } catch (err) {
    throw new CliError(`cannot open the mail log ${logFile}: ${(err as Error).message}`, EXIT.FAILURE);
  }
  const alerts = TlsAlerts.forHome(opts.home, (line) => process.stderr.write(line + '\n'));
  const state = await loadState(opts.home);
  const windows = new RecipientWindows(Date.now, state.recipientWindows);

  // DANE rows need the DNSSEC-aware client (docs/dane.md); loaded only then.
  const dane = tableUsesDane(table) ? (await import('./dane/setup.js')).createDaneResolver(servers, dnsQueryTimeout(timeouts.commandMs)) : undefined;
  const resolver = createResolver({ servers, timeoutMs: dnsQueryTimeout(timeouts.commandMs) });
  let result: DeliverResult;
  // A mail log that lost lines is reported after the report, as a state file that could not be saved is.
  let logError: Error | null = null;
  try {
    result = await deliver(messages, {
      table,
      connector: connect,
      mx: new MxResolver({ resolver }),
      log,
      alerts,
      port: run.port,
      helo: run.helo,
      timeouts,
      sources: run.sources,
      ...(run.extraCa ? { extraCa: run.extraCa } : {}),
      ...(clientCert ? { clientCert } : {}),
      batvKey: () => (batvKey ? Promise.resolve(batvKey) : loadBatvKey(opts.home)),
      maxConnections: run.maxConnections,
      firstMid: state.mid,
      firstDcid: state.dcid,
      windows,
      signal: run.abort.signal,
      cutSignal: run.cut.signal,
      ...(dane ? { dane } : {}),
    });
  } finally {
    // Lookups an interrupted run no longer waits for would keep the process alive until they time out.
    resolver.cancel?.();
    const daneWarning = dane?.validationWarning();
    if (daneWarning) log.write(daneWarning, 'Warning');
    logError = await log.close().then(
      () => null,
      (err: Error) => err,
    );
    await alerts.flush();
  }
  let saveError: Error | null = null;
  try {
    await saveState(opts.home, { mid: state.mid + messages.length, dcid: result.lastDcid + 1, recipientWindows: windows.snapshot() });
  } catch (err) {
    saveError = err as Error;
  }
  const failures = [
    ...(logError ? [`cannot write the mail log ${logFile}: ${logError.message}`] : []),
    ...(alerts.error ? [`cannot write the alert log ${alerts.file}: ${alerts.error.message}`] : []),
    ...(saveError ? [`cannot save the delivery state ${stateFile(opts.home)}: ${saveError.message}`] : []),
  ];
  return { result, failures };
}

export async function runTlsVerifyCommand(opts: TlsVerifyCliOptions & { home: string; domain: string; host?: string }): Promise<number> {
  return runTlsVerify({
    domain: opts.domain,
    ...(opts.host ? { host: opts.host } : {}),
    home: opts.home,
    print: (line) => process.stdout.write(line + '\n'),
    printError: (line) => process.stderr.write(`destconfig: ${line}\n`),
    dnsServers: dnsServers(opts.dnsServer),
    port: positiveInt('--port', opts.port, 65535),
    ...(opts.caFile ? { caFile: opts.caFile } : {}),
    ...(opts.helo ? { helo: opts.helo } : {}),
    timeoutMs: seconds('--connect-timeout', opts.connectTimeout),
  });
}

export async function runDaneVerifyCommand(opts: DaneVerifyCliOptions & { home: string; domain: string; host?: string }): Promise<number> {
  // Options first (status 2 before any lookup); the DANE modules are loaded only for this command.
  const servers = dnsServers(opts.dnsServer);
  const port = positiveInt('--port', opts.port, 65535);
  const timeoutMs = seconds('--connect-timeout', opts.connectTimeout);
  const { runDaneVerify } = await import('./daneverify.js');
  return runDaneVerify({
    domain: opts.domain,
    ...(opts.host ? { host: opts.host } : {}),
    print: (line) => process.stdout.write(line + '\n'),
    printError: (line) => process.stderr.write(`destconfig: ${line}\n`),
    printWarning: (line) => process.stderr.write(`destconfig: ${line}\n`),
    dnsServers: servers,
    port,
    ...(opts.helo ? { helo: opts.helo } : {}),
    timeoutMs,
  });
}

/** Writes to stdout and waits until it is handed on (a signal meanwhile must not cut the report short). */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}
