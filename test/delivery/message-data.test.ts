import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataEncoder, encodeData, encodedMessageSize } from '../../src/delivery/message-data.js';

/** What a receiving server does (RFC 5321 §4.5.2): split at CRLF up to the lone dot, unstuff. */
function receive(wire: Buffer): string {
  const text = wire.toString('latin1');
  expect(text.endsWith('\r\n.\r\n') || text === '.\r\n').toBe(true);
  const body = text === '.\r\n' ? '' : text.slice(0, -3);
  return body
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? line.slice(1) : line))
    .join('\r\n');
}

/** The expected content after normalisation: every CRLF, LF or CR becomes CRLF; a final CRLF added. */
function normalised(content: string): string {
  if (content === '') return '';
  const crlf = content.replace(/\r\n|\r|\n/g, '\r\n');
  return crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`;
}

describe('encodeData', () => {
  it.each([
    ['', '.\r\n'],
    ['a\r\n', 'a\r\n.\r\n'],
    ['a', 'a\r\n.\r\n'],
    ['a\nb\n', 'a\r\nb\r\n.\r\n'],
    ['a\rb\r', 'a\r\nb\r\n.\r\n'],
    ['.a\r\n', '..a\r\n.\r\n'],
    ['x\r\n.\r\n', 'x\r\n..\r\n.\r\n'],
    ['x\n.\ny', 'x\r\n..\r\ny\r\n.\r\n'],
    ['\r\r\n\n', '\r\n\r\n\r\n.\r\n'],
    ['a.\r\n b.', 'a.\r\n b.\r\n.\r\n'],
  ])('%j -> %j', (input, wire) => {
    expect(encodeData(Buffer.from(input)).toString('latin1')).toBe(wire);
  });

  it('never lets the content end the data early, and the server gets the normalised content back', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '.', '\r', '\n', '\r\n', '..', ' ', 'é'), { maxLength: 60 }), (parts) => {
        const content = parts.join('');
        const wire = encodeData(Buffer.from(content, 'latin1'));
        const text = wire.toString('latin1');
        // The terminator appears exactly once, at the end.
        expect(text.indexOf('\r\n.\r\n') === text.length - 5 || text === '.\r\n').toBe(true);
        // No bare CR or LF on the wire.
        expect(/\r(?!\n)|(?<!\r)\n/.test(text)).toBe(false);
        expect(receive(wire)).toBe(normalised(content));
      }),
      { numRuns: 2000 },
    );
  });

  // RFC 5321 §4.5.3.1.6: a text line is at most 1,000 octets with its CRLF (a stuffed dot not counted).
  // Longer lines are folded as Postfix's client does (smtp_line_length_limit = 998): CRLF and a space.
  it.each([
    ['a'.repeat(998) + '\r\n', 'a'.repeat(998) + '\r\n'],
    ['a'.repeat(999) + '\r\n', 'a'.repeat(998) + '\r\n a\r\n'],
    ['a'.repeat(2500), 'a'.repeat(998) + '\r\n ' + 'a'.repeat(997) + '\r\n ' + 'a'.repeat(505) + '\r\n'],
    ['.' + 'b'.repeat(998) + '\n', '..' + 'b'.repeat(997) + '\r\n b\r\n'],
    ['x\r\n' + 'c'.repeat(1000) + '\r\ny', 'x\r\n' + 'c'.repeat(998) + '\r\n cc\r\ny\r\n'],
  ])('folds a line over 998 octets: %#', (input, body) => {
    expect(encodeData(Buffer.from(input)).toString('latin1')).toBe(`${body}.\r\n`);
  });

  it('never sends a line over 998 octets, and only folds (CRLF SPACE) what was longer', () => {
    const long = (n: number): string => 'L'.repeat(n);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('a', '.', '\r', '\n', '\r\n', ' '), fc.integer({ min: 990, max: 2100 }).map(long)), { maxLength: 12 }), (parts) => {
        const content = parts.join('');
        const wire = encodeData(Buffer.from(content, 'latin1'));
        for (const line of wire.toString('latin1').split('\r\n')) expect(line.replace(/^\./, '').length).toBeLessThanOrEqual(998);
        const unfold = (text: string): string => text.replace(/\r\n /g, '');
        expect(unfold(receive(wire))).toBe(unfold(normalised(content)));
      }),
      { numRuns: 500 },
    );
  });

  it('reports the size without the terminator', () => {
    expect(encodedMessageSize(encodeData(Buffer.from('abc\r\n')))).toBe(5);
  });
});

describe('DataEncoder', () => {
  it('encodes like encodeData into one reused buffer, and into a fresh one when asked not to reuse', () => {
    const encoder = new DataEncoder();
    const outputs = ['a\r\nb\r\n', '.x\ny', '', `${'z'.repeat(900)}\r\n`.repeat(5), 'short\r\n'].map((input) => {
      const encoded = encoder.encode(Buffer.from(input));
      expect(encoded.toString('latin1')).toBe(encodeData(Buffer.from(input)).toString('latin1'));
      return encoded;
    });
    // Same backing memory for every non-empty payload: no allocation per message.
    const backing = outputs.filter((o) => o.length > 3).map((o) => o.buffer);
    expect(new Set(backing).size).toBe(1);
    const kept = encoder.encode(Buffer.from('one\r\n'));
    const fresh = encoder.encode(Buffer.from('two\r\n'), false);
    expect(fresh.buffer).not.toBe(kept.buffer);
    expect(kept.toString()).toBe('one\r\n.\r\n');
    expect(fresh.toString()).toBe('two\r\n.\r\n');
  });
});
