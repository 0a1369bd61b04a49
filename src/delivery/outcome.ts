// How a failed connection attempt, or a run of them, becomes a recipient's outcome: the RFC 3463 code and
// the words in the report and the mail log. Pure.
import type { TlsMode } from '../table/types.js';
import { reportDane } from './dane/log.js';
import type { ConnectFailure, RecipientReport, SmtpReply, TlsInfo } from './types.js';

/** The Required family: TLS must be negotiated or no message is sent on the connection (reference §7.2). */
export function tlsRequired(mode: TlsMode): boolean {
  return mode === 'required' || mode === 'required_verify' || mode === 'required_verify_hosted';
}

/**
 * A connect failure in TLS: not offered or refused under a Required mode, handshake, verification, injected
 * bytes. A protocol violation over a session already encrypted (a malformed reply to the EHLO sent over TLS)
 * is the server's SMTP failing, not TLS: TLS was negotiated, so it is no "TLS was required" failure.
 */
export function isTlsFailure(f: ConnectFailure): boolean {
  return f.stage === 'tls' || (f.stage === 'protocol' && f.tls?.attempted === true && !f.tls.negotiated);
}

/**
 * RFC 3463 code for a failed attempt. TLS under a Required mode: 4.7.4 when STARTTLS was not offered, 4.7.5
 * otherwise (Postfix's choice: "TLS is required, but was not offered" / "Cannot start TLS"). Every DANE
 * deferral is 4.7.5, STARTTLS not offered included (reference dane-mta-sts-tlsrpt.md §1.5). A 5xx greeting
 * is permanent for that host only, so the destination is still deferred after the other hosts fail.
 */
export function failureCode(f: ConnectFailure): string {
  switch (f.stage) {
    case 'tls':
      return f.tls?.offered === false && f.tls.dane === undefined ? '4.7.4' : '4.7.5';
    case 'protocol':
      return f.tls?.attempted && !f.tls.negotiated ? '4.7.5' : '4.5.0';
    case 'connect':
      return '4.4.1';
    case 'timeout':
      return '4.4.2';
    case 'session':
      // Lost after the set-up (4.4.2 bad connection, as Postfix), or the code of the 421 that closed it.
      return f.reply?.enhanced?.startsWith('4.') ? f.reply.enhanced : '4.4.2';
    case 'greeting':
    case 'ehlo':
      // Without a reply the connection was lost before the reply that decides (4.4.2, as a time-out).
      if (!f.reply) return '4.4.2';
      return f.reply.enhanced?.startsWith('4.') ? f.reply.enhanced : '4.4.0';
  }
}

export interface AttemptFailure {
  failure: ConnectFailure;
  mxHost: string;
  ip: string;
  tlsPolicy: boolean;
}

/** The failure that decides the deferral of a destination: the last TLS-policy failure if any, else the last one. */
export function decidingFailure(failures: AttemptFailure[]): AttemptFailure | undefined {
  return [...failures].reverse().find((f) => f.tlsPolicy) ?? failures[failures.length - 1];
}

export function describeFailure(a: AttemptFailure): string {
  const where = a.mxHost ? `${a.mxHost} [${a.ip}]` : `[${a.ip}]`;
  return `${failureCode(a.failure)} ${a.failure.reason} (${where})`;
}

/** Words for a reply class, for `Delayed:` / `Bounced:` lines (the appliance writes e.g. `5.1.0 - Unknown address error`). */
export function replyPhrase(reply: SmtpReply): string {
  const code = reply.enhanced ?? `${Math.floor(reply.code / 100)}.0.0`;
  const subject = code.split('.')[1];
  const permanent = reply.code >= 500;
  if (subject === '1') return `${code} - ${permanent ? 'Unknown address error' : 'Temporary address error'}`;
  if (subject === '2') return `${code} - Mailbox ${permanent ? 'error' : 'temporarily unavailable'}`;
  return `${code} - ${permanent ? 'Permanent failure' : 'Temporary failure'}`;
}

/** The TLS fields of a report entry. */
export function reportTls(mode: TlsMode, tls: TlsInfo | undefined): RecipientReport['tls'] {
  return {
    mode,
    negotiated: tls?.negotiated ?? false,
    protocol: tls?.protocol ?? null,
    cipher: tls?.cipher ?? null,
    verified: tls?.verified ?? null,
    verifyError: tls?.verifyError ?? null,
    matchedIdentity: tls?.matchedIdentity ?? null,
    ...(tls?.dane ? { dane: reportDane(tls.dane) } : {}),
  };
}
