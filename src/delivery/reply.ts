// SMTP reply parsing (RFC 5321 §4.2, RFC 3463 / RFC 2034 enhanced status codes). Pure and incremental:
// the transport feeds it raw bytes as they arrive and takes complete replies out. Every buffer is
// bounded so a hostile server cannot make the client hold unbounded memory: a line may not exceed
// MAX_REPLY_LINE bytes (RFC 5321 §4.5.3.1.5 says 512; we allow slack), a reply may not have more than
// MAX_REPLY_LINES lines, and completed replies nobody has read yet may not pile up.
import type { SmtpReply } from './types.js';

export const MAX_REPLY_LINE = 4096;
export const MAX_REPLY_LINES = 512;
/** Completed but unread replies (a pipelined group of 1,000 recipients fits easily). */
export const MAX_QUEUED_REPLIES = 4096;

/** The server broke the protocol (malformed or oversized reply); the connection cannot be trusted. */
export class SmtpProtocolError extends Error {
  override name = 'SmtpProtocolError';
}

const LF = 0x0a;

/**
 * Length of the RFC 3463 enhanced status code at the start of `text` whose class digit is `klass`
 * ("2.1.5" then a space or the end), 0 when there is none. A scan rather than a regular expression: it
 * runs for every reply.
 */
function enhancedLength(text: string, klass: number): number {
  if (text.charCodeAt(0) - 48 !== klass || text.charCodeAt(1) !== 0x2e) return 0;
  let i = 2;
  for (let part = 0; part < 2; part++) {
    const start = i;
    while (i < text.length && i - start < 4 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === start || i - start > 3) return 0;
    if (part === 0) {
      if (text.charCodeAt(i) !== 0x2e) return 0;
      i++;
    }
  }
  return i === text.length || text.charCodeAt(i) === 0x20 ? i : 0;
}

/**
 * Builds a reply from its lines' code and texts. The enhanced status code is taken from the first
 * line when it starts with one whose class matches the reply code (RFC 3463 §2), and stripped from
 * every line that repeats it, so `text` holds only the human-readable part. Every reply has the same
 * three properties (`enhanced` undefined when there is none), so the code reading replies sees one shape.
 */
export function buildReply(code: number, texts: string[]): SmtpReply {
  const first = texts[0] ?? '';
  const klass = Math.floor(code / 100);
  const length = klass === 2 || klass === 4 || klass === 5 ? enhancedLength(first, klass) : 0;
  if (length > 0) {
    const enhanced = first.slice(0, length);
    const strip = (text: string): string => (text.startsWith(enhanced) ? text.slice(length).trimStart() : text);
    return { code, enhanced, text: texts.length === 1 ? strip(first) : texts.map(strip).join('\n') };
  }
  return { code, enhanced: undefined, text: texts.length === 1 ? first : texts.join('\n') };
}

/** Renders a reply the way it appeared on the wire's first line, for logs and reasons. */
export function formatReply(reply: SmtpReply): string {
  const parts = [String(reply.code)];
  if (reply.enhanced) parts.push(reply.enhanced);
  const text = reply.text.split('\n').join(' / ');
  if (text) parts.push(text);
  return parts.join(' ');
}

/** Incremental reply parser with bounded buffers. */
export class ReplyParser {
  private partial: Buffer | null = null;
  private code = 0;
  private texts: string[] = [];
  private readonly ready: SmtpReply[] = [];

  /** Bytes received that are not yet part of a complete reply (used by the STARTTLS hygiene check). */
  get pendingBytes(): number {
    return (this.partial?.length ?? 0) + (this.texts.length > 0 ? 1 : 0);
  }

  /** Number of complete replies waiting to be taken. */
  get queued(): number {
    return this.ready.length;
  }

  /** Code of the oldest complete reply waiting to be taken, 0 when none. */
  get nextCode(): number {
    return this.ready[0]?.code ?? 0;
  }

  /** Takes the oldest complete reply, or undefined. */
  take(): SmtpReply | undefined {
    return this.ready.shift();
  }

  /** Forgets everything buffered (used when the transport changes, e.g. after STARTTLS). */
  reset(): void {
    this.partial = null;
    this.code = 0;
    this.texts = [];
    this.ready.length = 0;
  }

  /** Feeds raw bytes; throws SmtpProtocolError on a malformed or oversized reply. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    for (;;) {
      const lf = data.indexOf(LF, start);
      if (lf < 0) break;
      if (lf - start > MAX_REPLY_LINE) throw this.tooLong();
      const end = lf > start && data[lf - 1] === 0x0d ? lf - 1 : lf;
      this.line(data.toString('utf8', start, end));
      start = lf + 1;
    }
    if (start < data.length) {
      if (data.length - start > MAX_REPLY_LINE) throw this.tooLong();
      this.partial = data.subarray(start);
    }
  }

  private tooLong(): SmtpProtocolError {
    return new SmtpProtocolError(`reply line longer than ${MAX_REPLY_LINE} bytes`);
  }

  private line(line: string): void {
    const c0 = line.charCodeAt(0) - 48;
    const c1 = line.charCodeAt(1) - 48;
    const c2 = line.charCodeAt(2) - 48;
    const separator = line.length > 3 ? line[3] : ' ';
    if (!(c0 >= 2 && c0 <= 5 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9) || (separator !== ' ' && separator !== '-')) {
      throw new SmtpProtocolError(`malformed reply line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const code = c0 * 100 + c1 * 10 + c2;
    if (this.texts.length > 0 && code !== this.code) {
      throw new SmtpProtocolError(`reply code changed within a multi-line reply (${this.code} then ${code})`);
    }
    this.code = code;
    this.texts.push(line.length > 4 ? line.slice(4) : '');
    if (separator === '-') {
      if (this.texts.length >= MAX_REPLY_LINES) {
        throw new SmtpProtocolError(`multi-line reply longer than ${MAX_REPLY_LINES} lines`);
      }
      return;
    }
    if (this.ready.length >= MAX_QUEUED_REPLIES) {
      throw new SmtpProtocolError(`more than ${MAX_QUEUED_REPLIES} unsolicited replies`);
    }
    this.ready.push(buildReply(code, this.texts));
    this.texts = [];
  }
}
