// The mail log in the appliance's `mail_logs` forms (reference §9: templates from AsyncOS's own catalogue,
// prefix `Mon Mar  5 14:21:04 2018 Info: ` from Cisco TechNotes 212837/118232). Lines are appended to
// --log FILE (default `<home>/mail.log`) through one stream, in the order events happen.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { makeFoldersSync } from '../store/folders.js';
import type { ConnectionEvent, SmtpReply } from './types.js';
import { daneLines } from './dane/log.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `Mon Mar  5 14:21:04 2018` in local time, as the appliance stamps its logs (ctime form). */
export function logTimestamp(d: Date): string {
  const day = String(d.getDate()).padStart(2, ' ');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

export type Severity = 'Info' | 'Warning';

/** RID lists as AsyncOS prints them: `[0]`, `[0, 1, 2]`. */
export function ridList(rids: readonly number[]): string {
  let list = '[';
  for (let i = 0; i < rids.length; i++) list += i === 0 ? `${rids[i]}` : `, ${rids[i]}`;
  return `${list}]`;
}

/** Characters Python's repr would not write as they are (C0 and C1 controls, DEL), with the quote and backslash. */
const NEEDS_QUOTING = /[\x00-\x1f\x7f-\x9f'\\]/;
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\x9f]/;
const NAMED_ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Control characters spelt out as Python writes them (`\r`, `\x1b`): text from a server (a reply, a reason
 * quoting one) must not reach a log or a terminal raw, where a CR or an escape sequence redraws the line.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A reply as the appliance quotes it after a delivery line: `('550', ['5.1.1 User unknown'])` (Python's repr). */
export function quoteReply(reply: SmtpReply): string {
  const { code, enhanced, text } = reply;
  // The usual reply (one line, nothing to escape) is quoted without splitting or escaping: this runs for
  // every message delivered.
  if (!NEEDS_QUOTING.test(text)) {
    return `('${code}', ['${enhanced && !text.startsWith(enhanced) ? `${enhanced} ${text}` : text}'])`;
  }
  const lines = text.split('\n').map((l) => (enhanced && !l.startsWith(enhanced) ? `${enhanced} ${l}` : l));
  return `('${code}', [${lines.map((l) => `'${escapeControls(l.replace(/\\/g, '\\\\').replace(/'/g, "\\'"))}'`).join(', ')}])`;
}

/** Formatters for every line the delivery client writes. Pure: tested on their own. */
export const lines = {
  newConnection: (dcid: number, iface: string, ip: string, port: number) => `New SMTP DCID ${dcid} interface ${iface} address ${ip} port ${port}`,
  tlsSuccess: (dcid: number, protocol: string, cipher: string, host: string) => `DCID ${dcid} TLS success protocol ${protocol} cipher ${cipher} ${host}`,
  tlsFailed: (dcid: number, why: string) => `DCID ${dcid} TLS failed: ${why}`,
  tlsRequired: (dcid: number, ip: string) => `DCID ${dcid} IP ${ip} TLS was required but could not be successfully negotiated`,
  connectionError: (dcid: number, ip: string, details: string, iface: string, reason: string) =>
    `Connection Error: DCID: ${dcid} IP: ${ip} details: ${details} interface: ${iface} reason: ${reason}`,
  deliveryStart: (dcid: number, mid: number, rids: number[]) => `Delivery start DCID ${dcid} MID ${mid} to RID ${ridList(rids)}`,
  messageDone: (dcid: number, mid: number, rids: number[], reply: SmtpReply | undefined) =>
    `Message done DCID ${dcid} MID ${mid} to RID ${ridList(rids)}${reply ? ` [${quoteReply(reply)}]` : ''}`,
  /** `dcid` null: no connection was involved (DNS failure, recipient limit, shutdown). */
  delayed: (dcid: number | null, mid: number, rid: number, reason: string, reply?: SmtpReply) =>
    `Delayed: ${dcid === null ? '' : `DCID ${dcid} `}MID ${mid} to RID ${rid} - ${reason}${reply ? ` ${quoteReply(reply)}` : ''}`,
  bounced: (dcid: number | null, mid: number, rid: number, reason: string, reply?: SmtpReply) =>
    `Bounced: ${dcid === null ? '' : `DCID ${dcid} `}MID ${mid} to RID ${rid} - ${reason}${reply ? ` ${quoteReply(reply)}` : ''}`,
  close: (dcid: number) => `DCID ${dcid} close`,
  maxConnections: (n: number, domain: string) => `Maximum outbound connections ${n} reached for ${domain}`,
  maxRecipientsMxip: (limit: number, domain: string, iface: string) => `Maximum recipients (${limit}) reached for MXIP in ${domain} ${iface}`,
  throttled: (domain: string, iface: string) => `Delivery to ${domain} ${iface} throttled by recipient limit`,
  interrupted: (signal: string) => `Delivery interrupted by ${signal}: no new transactions are started`,
  cut: () => 'Delivery interrupted again: open connections are cut now',
};

/** The mail-log lines of the connection layer's events (`host`: the MX name, or the IP for a literal). */
export function logConnectionEvent(log: MailLogSink, ev: ConnectionEvent, host: string): void {
  switch (ev.type) {
    case 'connected':
      log.write(lines.newConnection(ev.dcid, ev.localAddress, ev.ip, ev.port));
      break;
    case 'tls-success':
      log.write(lines.tlsSuccess(ev.dcid, ev.tls.protocol ?? 'unknown', ev.tls.cipher ?? 'unknown', host));
      // Preferred - Verify delivers over an unverified session; the reason is worth a line of its own.
      if (ev.tls.verified === false && ev.tls.verifyError) log.write(`DCID ${ev.dcid} TLS certificate not verified: ${ev.tls.verifyError}`);
      if (ev.tls.dane) log.write(daneLines.success(ev.dcid, host, ev.tls.dane));
      break;
    case 'tls-failed':
      log.write(lines.tlsFailed(ev.dcid, ev.reason));
      if (ev.tls.dane) log.write(daneLines.failed(ev.dcid, host, ev.tls, ev.reason));
      break;
    case 'closed':
      log.write(lines.close(ev.dcid));
      break;
    default:
      break;
  }
}

export interface MailLogSink {
  write(text: string, severity?: Severity): void;
  close(): Promise<void>;
}

/**
 * How long lines wait to be gathered into one write. A file write is a trip to libuv's thread pool and a
 * system call; at thousands of messages a second a write per event-loop turn was about one per message
 * (a measurable share of the client's CPU), while 20 ms keeps the log as current as anyone reading it needs.
 */
const FLUSH_DELAY_MS = 20;

/**
 * Appends timestamped lines to a file (created with its folder when missing). Lines are gathered for up
 * to FLUSH_DELAY_MS (or 64 KB) and go to the stream as one chunk, in order; close() flushes what is pending.
 */
export class MailLog implements MailLogSink {
  private readonly stream: WriteStream;
  private failed: Error | null = null;
  private pending = '';
  /** The pending flush, while lines wait for it. */
  private timer: NodeJS.Timeout | null = null;
  private readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    this.stream.write(this.pending);
    this.pending = '';
  };
  /** The timestamp of the last second stamped (log lines come many to the second). */
  private stampSecond = NaN;
  private stamp = '';

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    makeFoldersSync(path.dirname(file));
    // Opened here, synchronously, so a log that cannot be written stops the command before anything is sent.
    const fd = openSync(file, 'a', 0o640);
    this.stream = createWriteStream(file, { fd });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  write(text: string, severity: Severity = 'Info'): void {
    const at = this.now();
    const second = Math.floor(at.getTime() / 1000);
    if (second !== this.stampSecond) {
      this.stampSecond = second;
      this.stamp = logTimestamp(at);
    }
    // Server text inside a reason (a refusal of STARTTLS, a TLS alert) is escaped like a quoted reply.
    const line = NEEDS_ESCAPE.test(text) ? escapeControls(text) : text;
    this.pending += `${this.stamp} ${severity}: ${line}\n`;
    if (this.pending.length >= 65_536) this.flush();
    else this.timer ??= setTimeout(this.flush, FLUSH_DELAY_MS);
  }

  close(): Promise<void> {
    this.flush();
    return new Promise((resolve, reject) => {
      // A write that failed while end() waits reaches its callback as the argument, before the stream's
      // 'error' event (which sets `failed`) is emitted; once the stream is destroyed by the failure, the
      // argument only says so (ERR_STREAM_DESTROYED) and `failed` holds the cause. Both are checked, or a
      // log that lost lines would close as fine.
      this.stream.end((err?: Error | null) => {
        const failure = this.failed ?? err;
        if (failure) reject(failure);
        else resolve();
      });
    });
  }
}

/** Keeps lines in memory: the sink tests hand to deliver() to read its log lines (tlsverify writes no mail log). */
export class MemoryLog implements MailLogSink {
  readonly lines: string[] = [];
  write(text: string, severity: Severity = 'Info'): void {
    this.lines.push(`${severity}: ${NEEDS_ESCAPE.test(text) ? escapeControls(text) : text}`);
  }
  async close(): Promise<void> {}
}
