// normaliseDestination's messages for IP addresses typed with a mistake: the message names the kind of
// address the operator was typing (a text with a colon can only be meant as IPv6; host names have none).
import { describe, expect, it } from 'vitest';
import { normaliseDestination } from '../../src/table/domain.js';

describe('normaliseDestination messages', () => {
  it('says "not a valid IPv6 address" for an IPv6 address with a mistake, with or without brackets', () => {
    for (const typed of ['2001:db8::10005', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'fe80::1%', '2001:db8::1/64']) {
      expect(normaliseDestination(typed)).toEqual({ ok: false, error: `Invalid destination ${JSON.stringify(typed)}: not a valid IPv6 address.` });
    }
    expect(normaliseDestination('[2001:db8::g]')).toEqual({ ok: false, error: 'Invalid destination "[2001:db8::g]": brackets must hold an IPv4 or IPv6 address.' });
    expect(normaliseDestination('[IPv6:2001:db8::g]')).toEqual({ ok: false, error: 'Invalid destination "[IPv6:2001:db8::g]": not a valid IPv6 address.' });
  });

  it('keeps the other messages', () => {
    expect(normaliseDestination('192.0.2.256')).toEqual({ ok: false, error: 'Invalid destination "192.0.2.256": not a valid IPv4 address.' });
    expect(normaliseDestination('exa_mple..com')).toEqual({
      ok: false,
      error: 'Invalid destination "exa_mple..com": not a valid domain name (letters, digits and hyphens in dot-separated labels).',
    });
  });
});

describe('normaliseDestination IPv6 text form (RFC 5952)', () => {
  it('writes an IPv4-mapped address with a dotted quad however it was typed (RFC 5952 §5)', () => {
    for (const typed of ['::ffff:192.0.2.7', '[::FFFF:192.0.2.7]', '::ffff:c000:207', '[IPv6:0:0:0:0:0:ffff:c000:0207]']) {
      expect(normaliseDestination(typed)).toEqual({ ok: true, value: '[::ffff:192.0.2.7]' });
    }
    // Not mapped: other addresses with an embedded IPv4 part keep the plain hexadecimal form.
    expect(normaliseDestination('64:ff9b::192.0.2.7')).toEqual({ ok: true, value: '[64:ff9b::c000:207]' });
  });

  it('lower-cases and compresses the address but keeps a zone index as typed (interface names are case-sensitive)', () => {
    expect(normaliseDestination('[FE80:0:0::1%ETH0]')).toEqual({ ok: true, value: '[fe80::1%ETH0]' });
    expect(normaliseDestination('fe80::1%eth0')).toEqual({ ok: true, value: '[fe80::1%eth0]' });
  });
});

describe('normaliseDestination trailing dot after IDN mapping', () => {
  // UTS #46 maps the ideographic full stop (U+3002) and the full-width one (U+FF0E) to "."; a name typed
  // with one at its end is the same fully qualified name as with a trailing ASCII dot, which is accepted.
  it.each(['bücher.example。', 'bücher.example．', 'example.com。', '.bücher.example。'])('accepts %j as its trailing-dot form', (typed) => {
    const ascii = typed.replace(/[。．]$/, '.');
    const expected = normaliseDestination(ascii);
    expect(expected.ok).toBe(true);
    expect(normaliseDestination(typed)).toEqual(expected);
  });

  it('still refuses two trailing dots however they are written', () => {
    expect(normaliseDestination('bücher.example.。').ok).toBe(false);
    expect(normaliseDestination('example.com..').ok).toBe(false);
  });
});

describe('A-labels (xn--) are checked however the name is written', () => {
  // RFC 5891 §5.4: a label starting with "xn--" must be a valid A-label. domainToASCII checks it when
  // another label of the name is non-ASCII; a name typed wholly in ASCII must be held to the same rule.
  it('refuses an invalid A-label in an all-ASCII name as it does beside a U-label', () => {
    expect(normaliseDestination('xn--a.bücher.example').ok).toBe(false);
    for (const name of ['xn--a.xn--bcher-kva.example', 'xn--a.example', 'XN--ABC.example', '.xn--zz.example', 'mail.xn--.example']) {
      expect(normaliseDestination(name), name).toMatchObject({ ok: false, error: expect.stringContaining('not a valid domain name') });
    }
  });

  it('accepts valid A-labels in any case, and labels with "--" elsewhere', () => {
    expect(normaliseDestination('xn--bcher-kva.example')).toEqual({ ok: true, value: 'xn--bcher-kva.example' });
    expect(normaliseDestination('XN--BCHER-KVA.Example.')).toEqual({ ok: true, value: 'xn--bcher-kva.example' });
    expect(normaliseDestination('.xn--bcher-kva.example')).toEqual({ ok: true, value: '.xn--bcher-kva.example' });
    expect(normaliseDestination('ab--c.example')).toEqual({ ok: true, value: 'ab--c.example' });
  });
});
