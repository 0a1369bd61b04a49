// The DATA payload (RFC 5321 §4.1.1.4, §4.5.2): every line ending made CRLF (bare LF and bare CR
// alike), a leading "." on a line doubled, a final CRLF added when missing, then the terminating
// ".\r\n". Buffer scans with indexOf; a message that already needs no change (the usual case) is
// copied once, with no per-line work beyond the scan.
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const TERMINATOR = Buffer.from('.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

/** True when every CR is followed by LF, every LF preceded by CR, and no line starts with ".". */
function isWireReady(content: Buffer): boolean {
  if (content[0] === DOT) return false;
  let lf = content.indexOf(LF);
  while (lf >= 0) {
    if (lf === 0 || content[lf - 1] !== CR) return false;
    if (content[lf + 1] === DOT) return false;
    lf = content.indexOf(LF, lf + 1);
  }
  let cr = content.indexOf(CR);
  while (cr >= 0) {
    if (content[cr + 1] !== LF) return false;
    cr = content.indexOf(CR, cr + 2);
  }
  return true;
}

/** Encodes message content for the DATA phase, terminator included. */
export function encodeData(content: Buffer): Buffer {
  if (content.length === 0) return TERMINATOR;
  if (isWireReady(content)) {
    const endsWithCrlf = content.length >= 2 && content[content.length - 1] === LF;
    return Buffer.concat([content, endsWithCrlf ? TERMINATOR : CRLF_TERMINATOR]);
  }
  // Worst case every byte is a bare line break preceded by nothing: 2x plus a dot per line.
  const out = Buffer.allocUnsafe(content.length * 3 + CRLF_TERMINATOR.length);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (byte === CR || byte === LF) {
      out[o++] = CR;
      out[o++] = LF;
      if (byte === CR && content[i + 1] === LF) i++;
      lineStart = true;
      continue;
    }
    if (lineStart && byte === DOT) out[o++] = DOT;
    out[o++] = byte;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = CR;
    out[o++] = LF;
  }
  o += TERMINATOR.copy(out, o);
  return out.subarray(0, o);
}

/** Size of the message as it will be transmitted, excluding the terminator (for SIZE checks). */
export function encodedMessageSize(encoded: Buffer): number {
  return encoded.length - TERMINATOR.length;
}
