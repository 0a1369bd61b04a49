import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildReply, formatReply, MAX_REPLY_LINE, ReplyParser, SmtpProtocolError } from '../../src/delivery/reply.js';

function parseAll(...chunks: string[]) {
  const parser = new ReplyParser();
  for (const chunk of chunks) parser.push(Buffer.from(chunk));
  const replies = [];
  for (let r = parser.take(); r; r = parser.take()) replies.push(r);
  return { replies, parser };
}

describe('ReplyParser', () => {
  it('joins multi-line replies and keeps replies in order', () => {
    const { replies } = parseAll('250-mx.example greets you\r\n250-PIPELINING\r\n250 SIZE 1000\r\n354 go\r\n');
    expect(replies).toEqual([
      { code: 250, text: 'mx.example greets you\nPIPELINING\nSIZE 1000' },
      { code: 354, text: 'go' },
    ]);
  });

  it('reassembles replies split anywhere, and accepts bare LF and a bare code', () => {
    const { replies, parser } = parseAll('2', '50 o', 'k\r', '\n221\n', '220 par');
    expect(replies).toEqual([
      { code: 250, text: 'ok' },
      { code: 221, text: '' },
    ]);
    expect(parser.pendingBytes).toBeGreaterThan(0);
  });

  it('extracts enhanced status codes (RFC 3463) from every line that repeats it', () => {
    const { replies } = parseAll('550-5.1.1 no such user\r\n550 5.1.1 try again never\r\n');
    expect(replies[0]).toEqual({ code: 550, enhanced: '5.1.1', text: 'no such user\ntry again never' });
    // A class that does not match the reply code is not an enhanced status code.
    expect(buildReply(250, ['5.1.1 odd'])).toEqual({ code: 250, text: '5.1.1 odd' });
    expect(buildReply(250, ['2.0.0'])).toEqual({ code: 250, enhanced: '2.0.0', text: '' });
    expect(buildReply(250, ['2.0.0x'])).toEqual({ code: 250, text: '2.0.0x' });
  });

  it.each([
    ['HELLO\r\n', 'malformed reply line'],
    ['25x ok\r\n', 'malformed reply line'],
    ['250_ok\r\n', 'malformed reply line'],
    ['650 ok\r\n', 'malformed reply line'],
    ['250-a\r\n251 b\r\n', 'reply code changed within a multi-line reply (250 then 251)'],
  ])('rejects %j', (input, message) => {
    expect(() => parseAll(input)).toThrow(SmtpProtocolError);
    expect(() => parseAll(input)).toThrow(message);
  });

  it('bounds the line length, with or without a line end in sight', () => {
    expect(() => parseAll(`250 ${'x'.repeat(MAX_REPLY_LINE)}\r\n`)).toThrow('reply line longer than 4096 bytes');
    const parser = new ReplyParser();
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push(Buffer.from('x'.repeat(1000)));
    }).toThrow('reply line longer than 4096 bytes');
  });

  it('bounds the number of lines in one reply', () => {
    const parser = new ReplyParser();
    expect(() => {
      for (let i = 0; i < 10_000; i++) parser.push(Buffer.from('250-more\r\n'));
    }).toThrow('multi-line reply longer than 512 lines');
  });

  it('forgets everything on reset', () => {
    const parser = new ReplyParser();
    parser.push(Buffer.from('250 a\r\n250-b\r\n25'));
    parser.reset();
    expect(parser.queued).toBe(0);
    expect(parser.pendingBytes).toBe(0);
    parser.push(Buffer.from('220 c\r\n'));
    expect(parser.take()).toEqual({ code: 220, text: 'c' });
  });
});

describe('formatReply', () => {
  it('renders code, enhanced code and text on one line', () => {
    expect(formatReply({ code: 454, enhanced: '4.7.0', text: 'TLS not available' })).toBe('454 4.7.0 TLS not available');
    expect(formatReply({ code: 250, text: 'a\nb' })).toBe('250 a / b');
    expect(formatReply({ code: 221, text: '' })).toBe('221');
  });
});

describe('buildReply against the regular-expression definition of an enhanced code', () => {
  // The definition buildReply implements with a scan: RFC 3463 class.subject.detail at the start of the
  // first line, class 2, 4 or 5 and equal to the reply's, 1-3 digits each, then a space or the end.
  const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;
  function reference(code: number, texts: string[]): { code: number; enhanced?: string; text: string } {
    const first = ENHANCED.exec(texts[0] ?? '');
    if (first && Number(first[1]) === Math.floor(code / 100)) {
      const enhanced = `${first[1]}.${first[2]}.${first[3]}`;
      return { code, enhanced, text: texts.map((t) => (t.startsWith(enhanced) ? t.slice(enhanced.length).trimStart() : t)).join('\n') };
    }
    return { code, text: texts.join('\n') };
  }

  it('gives the same code, enhanced code and text for any lines', () => {
    const piece = fc.constantFrom('2', '3', '4', '5', '0', '1', '9', '.', ' ', 'x', '25', '1234', '2.1.5', '5.7.1 ', '4.44.444');
    const line = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.constantFrom(220, 250, 354, 421, 451, 550, 554), fc.array(line, { minLength: 1, maxLength: 3 }), (code, texts) => {
        const built = buildReply(code, texts);
        const expected = reference(code, texts);
        expect({ code: built.code, enhanced: built.enhanced, text: built.text }).toEqual({ enhanced: undefined, ...expected });
        expect(Object.keys(built)).toEqual(['code', 'enhanced', 'text']);
      }),
      { numRuns: 3000 },
    );
  });
});
