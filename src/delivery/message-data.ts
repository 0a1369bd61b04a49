// The DATA payload (RFC 5321 §4.1.1.4, §4.5.2): every line ending made CRLF (bare LF and bare CR
// alike), a leading "." on a line doubled, a final CRLF added when missing, then the terminating
// ".\r\n". A line over 998 octets (RFC 5321 §4.5.3.1.6: 1,000 with its CRLF, a stuffed dot not
// counted) is folded by inserting CRLF and a space, as Postfix's client does (smtp_line_length_limit =
// 998; the space keeps a folded header a header). Buffer scans with indexOf; a message that already needs
// no change (the usual case) is copied once, with no per-line work beyond the scan, into a buffer the
// connection reuses.
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const SPACE = 0x20;
/** Longest line sent, CRLF not counted (RFC 5321 §4.5.3.1.6; Postfix smtp_line_length_limit). */
const MAX_LINE = 998;
const TERMINATOR = Buffer.from('.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

/**
 * True when every CR is followed by LF, every LF preceded by CR, no line starts with "." and none is
 * longer than MAX_LINE.
 */
function isWireReady(content: Buffer): boolean {
  if (content[0] === DOT) return false;
  let lineStart = 0;
  let lf = content.indexOf(LF);
  while (lf >= 0) {
    if (lf === 0 || content[lf - 1] !== CR) return false;
    if (lf - 1 - lineStart > MAX_LINE) return false;
    if (content[lf + 1] === DOT) return false;
    lineStart = lf + 1;
    lf = content.indexOf(LF, lineStart);
  }
  if (content.length - lineStart > MAX_LINE) return false;
  let cr = content.indexOf(CR);
  while (cr >= 0) {
    if (content[cr + 1] !== LF) return false;
    cr = content.indexOf(CR, cr + 2);
  }
  return true;
}

/** Largest buffer a DataEncoder keeps between messages; bigger messages get a buffer of their own. */
const KEEP_LIMIT = 1 << 20;

/** Bytes `encodeInto` may need for `content` (exact for wire-ready content, an upper bound otherwise). */
function capacityFor(content: Buffer, wireReady: boolean): number {
  return wireReady ? content.length + CRLF_TERMINATOR.length : content.length * 3 + CRLF_TERMINATOR.length;
}

/**
 * Copies the line content[from, to) (no line break in it, longer than MAX_LINE) to `out` at `o` as lines
 * of at most MAX_LINE octets, each fold a CRLF and a space; returns the new end.
 */
function copyFolded(content: Buffer, from: number, to: number, out: Buffer, o: number): number {
  let at = from + MAX_LINE;
  o += content.copy(out, o, from, at);
  while (at < to) {
    out[o++] = CR;
    out[o++] = LF;
    out[o++] = SPACE;
    const end = Math.min(at + MAX_LINE - 1, to);
    o += content.copy(out, o, at, end);
    at = end;
  }
  return o;
}

/** Writes the DATA payload of `content` into `out` (large enough, see capacityFor); returns its length. */
function encodeInto(content: Buffer, wireReady: boolean, out: Buffer): number {
  if (content.length === 0) return TERMINATOR.copy(out, 0);
  if (wireReady) {
    let o = content.copy(out, 0);
    const endsWithCrlf = content.length >= 2 && content[content.length - 1] === LF;
    o += (endsWithCrlf ? TERMINATOR : CRLF_TERMINATOR).copy(out, o);
    return o;
  }
  // Line breaks are found with native scans (the next CR and the next LF, each kept until passed);
  // bytes between the places that need a change are copied as runs.
  const n = content.length;
  let o = 0;
  let run = 0; // start of the bytes not yet copied
  let lineStart = 0;
  if (content[0] === DOT) out[o++] = DOT;
  let cr = content.indexOf(CR);
  let lf = content.indexOf(LF);
  while (cr >= 0 || lf >= 0) {
    const atCr = cr >= 0 && (lf < 0 || cr < lf);
    const brk = atCr ? cr : lf;
    const crlf = atCr && content[cr + 1] === LF;
    const next = crlf ? cr + 2 : brk + 1;
    if (brk - lineStart > MAX_LINE) {
      o += content.copy(out, o, run, lineStart);
      o = copyFolded(content, lineStart, brk, out, o);
      run = brk;
    }
    lineStart = next;
    if (!crlf) {
      // A bare CR or bare LF becomes CRLF.
      o += content.copy(out, o, run, brk);
      out[o++] = CR;
      out[o++] = LF;
      run = next;
    }
    if (content[next] === DOT) {
      o += content.copy(out, o, run, next);
      out[o++] = DOT;
      run = next;
    }
    if (atCr) cr = content.indexOf(CR, next);
    if (!atCr || crlf) lf = content.indexOf(LF, next);
  }
  if (n - lineStart > MAX_LINE) {
    o += content.copy(out, o, run, lineStart);
    o = copyFolded(content, lineStart, n, out, o);
    run = n;
  }
  o += content.copy(out, o, run, n);
  const last = content[n - 1];
  if (last !== CR && last !== LF) {
    out[o++] = CR;
    out[o++] = LF;
  }
  return o + TERMINATOR.copy(out, o);
}

/**
 * Encodes message content for the DATA phase, terminator included, into a new buffer: the one-shot form the
 * property tests check; the connection encodes through a DataEncoder, which reuses its buffers.
 */
export function encodeData(content: Buffer): Buffer {
  const wireReady = isWireReady(content);
  const out = Buffer.allocUnsafe(capacityFor(content, wireReady));
  return out.subarray(0, encodeInto(content, wireReady, out));
}

/**
 * Room kept after every payload a DataEncoder makes, for the next message's envelope (MAIL FROM, RCPT TO...,
 * DATA), so that payload and envelope leave in one plain write of one buffer (`appendText`).
 */
const TRAILER_ROOM = 2048;

/**
 * Encodes DATA payloads into one buffer reused from message to message (a connection carries one
 * message at a time). The result is valid until the next encode() with `reuse`; the caller passes
 * reuse = false while the previous payload's write has not completed (a server that answered early).
 * Every buffer it hands out is an allocation of its own (never a slice of Node's shared pool), so the
 * room after a payload is the encoder's to write (`appendText`).
 */
export class DataEncoder {
  private scratch: Buffer = Buffer.alloc(0);
  /** The buffer of the last payload handed out (appendText writes only there). */
  private last: Buffer | null = null;

  /** `reuse` false: the previous payload may still be in flight, so encode into a fresh buffer. */
  encode(content: Buffer, reuse = true): Buffer {
    const wireReady = isWireReady(content);
    const needed = capacityFor(content, wireReady) + TRAILER_ROOM;
    let out = this.scratch;
    if (!reuse) out = Buffer.allocUnsafeSlow(needed);
    else if (out.length < needed) {
      out = Buffer.allocUnsafeSlow(Math.max(needed, 16_384, Math.min(out.length * 2, KEEP_LIMIT)));
      if (out.length <= KEEP_LIMIT) this.scratch = out;
    }
    this.last = out;
    return out.subarray(0, encodeInto(content, wireReady, out));
  }

  /**
   * `payload` (the last result of encode(), not yet written) followed by `text` (UTF-8) in the same
   * memory: the text is written into the room after the payload. Null when it does not fit, or when
   * `payload` is not this encoder's last; the caller then writes the two apart.
   */
  appendText(payload: Buffer, text: string): Buffer | null {
    const whole = this.last;
    if (!whole || payload.buffer !== whole.buffer || payload.byteOffset !== whole.byteOffset) return null;
    if (Buffer.byteLength(text) > whole.length - payload.length) return null;
    return whole.subarray(0, payload.length + whole.write(text, payload.length, 'utf8'));
  }
}

/** Size of the message as it will be transmitted, excluding the terminator (for SIZE checks). */
export function encodedMessageSize(encoded: Buffer): number {
  return encoded.length - TERMINATOR.length;
}
