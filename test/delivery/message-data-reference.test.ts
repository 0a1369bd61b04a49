// The DATA encoder against an independent, line-by-line model of RFC 5321 §4.5.2 (dot-stuffing, every line
// break made CRLF, final CRLF) and §4.5.3.1.6 (lines over 998 octets folded with CRLF SPACE, Postfix's form),
// through encodeData and a DataEncoder reusing its buffer: long lines of dots (a dot at every fold point),
// bare CR and LF beside dots, lines exactly at and around the fold boundary.
import fc from 'fast-check';
import { it, expect } from 'vitest';
import { DataEncoder, encodeData } from '../../src/delivery/message-data.js';
/** One line at a time: split, fold, stuff the first piece, join with CRLF, terminate. */
function reference(content: string): string {
  if (content === '') return '.\r\n';
  let lines = content.replace(/\r\n|\r|\n/g, '\n').split('\n');
  if (content.endsWith('\n') || content.endsWith('\r')) lines = lines.slice(0, -1);
  const out: string[] = [];
  for (const l of lines) {
    const parts: string[] = [];
    if (l.length <= 998) parts.push(l);
    else { parts.push(l.slice(0, 998)); let at = 998; while (at < l.length) { parts.push(' ' + l.slice(at, at + 997)); at += 997; } }
    parts[0] = parts[0]!.startsWith('.') ? '.' + parts[0] : parts[0]!;
    out.push(...parts);
  }
  return out.map((l) => l + '\r\n').join('') + '.\r\n';
}
it('encodes exactly as the line-by-line model, fresh or into a reused buffer', () => {
  const enc = new DataEncoder();
  fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('a', '.', '\r', '\n', '\r\n', ' ', '\r\r', '\n.'), fc.integer({ min: 990, max: 2100 }).chain((n) => fc.constantFrom('L'.repeat(n), '.'.repeat(n), '.'+'x'.repeat(n)))), { maxLength: 14 }), fc.boolean(), (parts, reuse) => {
    const c = parts.join('');
    const ref = reference(c);
    expect(encodeData(Buffer.from(c, 'latin1')).toString('latin1')).toBe(ref);
    expect(enc.encode(Buffer.from(c, 'latin1'), reuse).toString('latin1')).toBe(ref);
  }), { numRuns: 3000 });
});
