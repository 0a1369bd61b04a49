// Evidence from Postfix's side: its mail log and the Maildir it delivers to. These are what the suite
// checks besides our own report, so that "delivered over TLS" is Postfix's word, not ours.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PeersEnv } from './peers-env.js';

/** Postfix logs through postlogd and delivers through qmgr/virtual, so evidence arrives a moment later. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A reader of Postfix's maillog from a mark onwards, so each test sees only the lines it caused. */
export class MailLog {
  private constructor(
    private readonly file: string,
    private readonly from: number,
  ) {}

  /** Marks the current end of the log. */
  static mark(peers: PeersEnv): MailLog {
    const size = existsSync(peers.maillog) ? statSync(peers.maillog).size : 0;
    return new MailLog(peers.maillog, size);
  }

  lines(): string[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file).subarray(this.from).toString('utf8').split('\n').filter(Boolean);
  }

  /** Lines of one listener's smtpd (the listener's syslog_name is postfix/<listener>). */
  smtpdLines(listener: string): string[] {
    return this.lines().filter((l) => l.includes(` postfix/${listener}/smtpd[`));
  }

  /** The listener's `disconnect from ...` lines, with Postfix's per-command counters. */
  async disconnects(listener: string, count = 1): Promise<string[]> {
    return waitFor(`${count} disconnect line(s) from postfix/${listener}/smtpd in ${this.file}`, () => {
      const d = this.smtpdLines(listener).filter((l) => l.includes(': disconnect from '));
      return d.length >= count ? d : undefined;
    });
  }

  /** Waits for Postfix's own delivery line for a recipient and returns it. */
  async deliveredLine(address: string): Promise<string> {
    return waitFor(`Postfix's delivery line for ${address}`, () =>
      this.lines().find((l) => l.includes(`: to=<${address}>,`) && l.includes('status=sent')),
    );
  }

  /** Any line in which Postfix delivered or queued something for the address. */
  mentionsDelivery(address: string): boolean {
    return this.lines().some((l) => l.includes(`: to=<${address}>,`));
  }
}

export interface DeliveredMessage {
  file: string;
  text: string;
  /** The Received header Postfix added (unfolded). */
  received: string;
  /** `ESMTPS` when the session was encrypted, `ESMTP` when not. */
  protocol: string;
  /** The host that received it: the listener's myhostname (mx.offer.test, ...). */
  by: string;
  queueId: string;
  /** From Postfix's `(using TLSv1.3 with cipher ...)` clause, when encrypted. */
  tlsProtocol?: string;
  tlsCipher?: string;
}

/** Messages in the sink Maildir for one recipient (Delivered-To), optionally carrying a token. */
export function messagesFor(peers: PeersEnv, address: string, token?: string): DeliveredMessage[] {
  const dir = join(peers.maildir, 'new');
  if (!existsSync(dir)) return [];
  const out: DeliveredMessage[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
    const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
    const headers = unfolded.split(/\r?\n/);
    const deliveredTo = headers.find((h) => /^Delivered-To:/i.test(h));
    if (deliveredTo?.replace(/^Delivered-To:\s*/i, '').trim().toLowerCase() !== address.toLowerCase()) continue;
    if (token && !text.includes(token)) continue;
    const received = headers.find((h) => /^Received:/i.test(h)) ?? '';
    const m = /\bby (\S+) \(Postfix\) with (\S+) id (\S+)/.exec(received);
    const tls = /\(using (TLSv[\d.]+) with cipher (\S+)/.exec(received);
    out.push({
      file,
      text,
      received,
      by: m?.[1] ?? '',
      protocol: m?.[2] ?? '',
      queueId: m?.[3] ?? '',
      tlsProtocol: tls?.[1],
      tlsCipher: tls?.[2],
    });
  }
  return out;
}

export async function waitForMessage(peers: PeersEnv, address: string, token?: string): Promise<DeliveredMessage> {
  const [msg] = await waitFor(`a message for ${address} in ${peers.maildir}`, () => {
    const found = messagesFor(peers, address, token);
    return found.length > 0 ? found : undefined;
  });
  return msg!;
}

/** Postfix's per-session command counters from a disconnect line: `ehlo=2 starttls=1 mail=1 ...`. */
export function sessionCounters(disconnectLine: string): Record<string, string> {
  const counters: Record<string, string> = {};
  const tail = disconnectLine.split(/\]\s/).pop() ?? '';
  for (const m of tail.matchAll(/(\w+)=(\d+(?:\/\d+)?)/g)) counters[m[1]!] = m[2]!;
  return counters;
}
