// Identity matching decision tables (reference §7.3; RFC 6125 §6.4.3; RFC 9525 §6.3).
import { describe, expect, it } from 'vitest';
import {
  matchIdentity,
  nameMatches,
  parseSubjectAltNames,
  presentedIdentities,
  type CertificateNames,
} from '../../src/delivery/identity.js';

describe('nameMatches', () => {
  it.each([
    ['mx.example.com', 'mx.example.com', true],
    ['MX.Example.COM', 'mx.example.com', true],
    ['mx.example.com.', 'mx.example.com', true],
    ['mx.example.com', 'mx.example.com.', true],
    ['mx.example.com', 'mx2.example.com', false],
    ['example.com', 'mx.example.com', false],
    // Wildcards: whole left-most label, exactly one label, never the bare parent.
    ['*.example.com', 'mx.example.com', true],
    ['*.EXAMPLE.com', 'MX.example.COM', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.example.com', '.example.com', false],
    ['*.com', 'example.com', false],
    ['*', 'example', false],
    ['f*o.example.com', 'foo.example.com', false],
    ['*o.example.com', 'foo.example.com', false],
    ['f*.example.com', 'foo.example.com', false],
    ['mx.*.example.com', 'mx.a.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['*.example.com', '*.example.com', true],
    ['', 'example.com', false],
    ['example.com', '', false],
  ])('%s vs %s -> %s', (presented, reference, expected) => {
    expect(nameMatches(presented, reference)).toBe(expected);
  });
});

describe('parseSubjectAltNames', () => {
  it('splits Node renderings, including quoted values', () => {
    expect(parseSubjectAltNames('DNS:a.example, DNS:"b,c.example", IP Address:192.0.2.1, DNS:*.x.example')).toEqual([
      { type: 'DNS', value: 'a.example' },
      { type: 'DNS', value: 'b,c.example' },
      { type: 'IP Address', value: '192.0.2.1' },
      { type: 'DNS', value: '*.x.example' },
    ]);
    expect(parseSubjectAltNames(undefined)).toEqual([]);
    expect(parseSubjectAltNames('')).toEqual([]);
  });
});

const certs: Record<string, CertificateNames> = {
  cnOnly: { subject: { CN: 'mx.example.com' } },
  sanAndMatchingCn: { subject: { CN: 'mx.example.com' }, subjectaltname: 'DNS:mx.example.com' },
  sanMismatchingCn: { subject: { CN: 'mx.example.com' }, subjectaltname: 'DNS:other.example.net' },
  domainSan: { subject: { CN: 'whatever' }, subjectaltname: 'DNS:example.com' },
  wildcardSan: { subject: { CN: 'wild' }, subjectaltname: 'DNS:*.example.com' },
  ipSanOnly: { subject: { CN: 'mx.example.com' }, subjectaltname: 'IP Address:192.0.2.1' },
  multiCn: { subject: { CN: ['a.example.net', 'mx.example.com'] } },
  none: { subject: {} },
};

describe('presentedIdentities', () => {
  it.each([
    ['cnOnly', 'verify', ['mx.example.com']],
    ['cnOnly', 'hosted', ['mx.example.com']],
    ['sanMismatchingCn', 'verify', ['other.example.net', 'mx.example.com']],
    ['sanMismatchingCn', 'hosted', ['other.example.net']],
    ['sanAndMatchingCn', 'verify', ['mx.example.com']],
    // An IP SAN is not a DNS name: the Hosted profile falls back to the CN.
    ['ipSanOnly', 'hosted', ['mx.example.com']],
    ['multiCn', 'verify', ['a.example.net', 'mx.example.com']],
    ['none', 'verify', []],
  ] as const)('%s under %s', (cert, profile, expected) => {
    expect(presentedIdentities(certs[cert] as CertificateNames, profile)).toEqual(expected);
  });
});

describe('matchIdentity: reference ids are the recipient domain, then the MX host', () => {
  const refs = ['example.com', 'mx.example.com'];
  it.each([
    // [certificate, profile, matched presented identity or null, matched reference]
    ['cnOnly', 'verify', 'mx.example.com', 'mx.example.com'],
    ['cnOnly', 'hosted', 'mx.example.com', 'mx.example.com'],
    ['sanMismatchingCn', 'verify', 'mx.example.com', 'mx.example.com'],
    ['sanMismatchingCn', 'hosted', null, null],
    ['domainSan', 'verify', 'example.com', 'example.com'],
    ['domainSan', 'hosted', 'example.com', 'example.com'],
    ['wildcardSan', 'verify', '*.example.com', 'mx.example.com'],
    ['wildcardSan', 'hosted', '*.example.com', 'mx.example.com'],
    ['none', 'verify', null, null],
  ] as const)('%s under %s', (cert, profile, presented, reference) => {
    const match = matchIdentity(certs[cert] as CertificateNames, refs, profile);
    expect(match).toEqual(presented === null ? null : { presented, reference });
  });

  it('tries the recipient domain before the MX host', () => {
    const both: CertificateNames = { subjectaltname: 'DNS:mx.example.com, DNS:example.com' };
    expect(matchIdentity(both, refs, 'hosted')).toEqual({ presented: 'example.com', reference: 'example.com' });
  });

  it('never matches an IP-literal reference or an empty one', () => {
    expect(matchIdentity(certs.cnOnly as CertificateNames, ['[192.0.2.1]', ''], 'verify')).toBeNull();
  });
});
