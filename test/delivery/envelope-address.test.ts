// asciiEnvelopeAddress: what an address becomes for a server without SMTPUTF8 (RFC 6531 §3.2, RFC 5890).
import { describe, expect, it } from 'vitest';
import { asciiEnvelopeAddress, isAsciiAddress, needsSmtputf8, wireAddress } from '../../src/delivery/envelope-address.js';

describe('asciiEnvelopeAddress', () => {
  it('leaves an ASCII address exactly as given (case included)', () => {
    expect(asciiEnvelopeAddress('Alice@Example.TEST')).toEqual({ ok: true, address: 'Alice@Example.TEST' });
    expect(asciiEnvelopeAddress('')).toEqual({ ok: true, address: '' });
    expect(isAsciiAddress('a@b.test')).toBe(true);
  });

  it('turns a non-ASCII domain into its A-label and keeps the local part', () => {
    expect(asciiEnvelopeAddress('Bob@bücher.test')).toEqual({ ok: true, address: 'Bob@xn--bcher-kva.test' });
    expect(asciiEnvelopeAddress('d@MÜNCHEN.test')).toEqual({ ok: true, address: 'd@xn--mnchen-3ya.test' });
    // The domain is after the last @: a quoted local part may hold one.
    expect(asciiEnvelopeAddress('"a@b"@bücher.test')).toEqual({ ok: true, address: '"a@b"@xn--bcher-kva.test' });
    expect(isAsciiAddress('b@bücher.test')).toBe(false);
  });

  it('refuses a non-ASCII local part with 5.6.7 (SMTPUTF8 required) naming the address', () => {
    const r = asciiEnvelopeAddress('jörg@example.test');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^5\.6\.7 "jörg@example\.test" .*SMTPUTF8 is required/);
  });

  it('refuses a domain with no ASCII form (5.1.2)', () => {
    const r = asciiEnvelopeAddress('a@ü%.test');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^5\.1\.2 "a@ü%\.test" /);
  });
});

describe('wireAddress', () => {
  it('drops a final dot after the domain (RFC 5321 Domain syntax), as Postfix does', () => {
    expect(wireAddress('a@example.test.', false)).toBe('a@example.test');
    expect(wireAddress('a@bücher.test.', false)).toBe('a@xn--bcher-kva.test');
    expect(wireAddress('a@bücher.test.', true)).toBe('a@bücher.test');
    // No domain: nothing to drop.
    expect(wireAddress('postmaster.', false)).toBe('postmaster.');
  });

  it('keeps an address that needs no change as it is', () => {
    expect(wireAddress('A@Example.test', false)).toBe('A@Example.test');
    expect(needsSmtputf8('A@Example.test', false)).toBeNull();
    expect(needsSmtputf8('jörg@example.test', true)).toBeNull();
    expect(needsSmtputf8('jörg@example.test', false)).toMatch(/^5\.6\.7 /);
  });
});
