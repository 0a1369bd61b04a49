// TLSA usability and matching (RFC 7672 §3, reference §1.2 and the §6.1 match outcomes D1, D2, D4, D5,
// D6, D7, D8, D9, D10, D11) on certificates made for the test.
import { describe, expect, it } from 'vitest';
import { daneMatch, formatTlsa, isUsable, type TlsaRecord } from '../../../src/delivery/dane/tlsa.js';
import { chainOf, danePki } from '../../helpers/dane-pki.js';

const MX = 'mx.case.dane.test';
const NEXTHOP = 'case.dane.test';
const names = [MX, NEXTHOP];
const pki = danePki();
const rec = (usage: number, selector: number, matchingType: number, data: Buffer): TlsaRecord => ({ usage, selector, matchingType, data });

describe('usable records', () => {
  it('takes usages 2 and 3, selectors 0 and 1, matching types 0/1/2 with the digest length', () => {
    const d32 = Buffer.alloc(32);
    expect(isUsable(rec(3, 1, 1, d32))).toBe(true);
    expect(isUsable(rec(2, 0, 2, Buffer.alloc(64)))).toBe(true);
    expect(isUsable(rec(3, 1, 0, Buffer.alloc(91)))).toBe(true);
    expect(isUsable(rec(1, 1, 1, d32))).toBe(false); // PKIX-EE: unusable for SMTP (RFC 7672 §3.1.3)
    expect(isUsable(rec(0, 0, 1, d32))).toBe(false); // PKIX-TA
    expect(isUsable(rec(3, 1, 9, d32))).toBe(false); // unknown matching type
    expect(isUsable(rec(3, 2, 1, d32))).toBe(false); // unknown selector
    expect(isUsable(rec(3, 1, 1, Buffer.alloc(31)))).toBe(false); // wrong SHA-256 length
    expect(isUsable(rec(3, 1, 2, d32))).toBe(false); // wrong SHA-512 length
    expect(formatTlsa(rec(3, 1, 1, Buffer.from([0xab, 0x01])))).toBe('3 1 1 ab01');
  });
});

describe('DANE-EE(3)', () => {
  const leaf = pki.leaf([MX]);
  const chain = chainOf(leaf.cert);
  it.each([
    [1, 1],
    [1, 2],
    [0, 1],
    [1, 0],
    [0, 0],
  ])('D1/D2: matches the leaf under selector %i, matching type %i', (selector, mtype) => {
    const result = daneMatch(chain, [rec(3, selector, mtype, pki.data(leaf.cert, selector, mtype))], names);
    expect(result).toMatchObject({ ok: true, usage: 3 });
  });

  it('D7: checks no name (the leaf names neither the MX host nor the next hop)', () => {
    const bad = pki.leaf(['elsewhere.invalid']);
    expect(daneMatch(chainOf(bad.cert), [rec(3, 1, 1, pki.data(bad.cert, 1, 1))], names)).toMatchObject({ ok: true, usage: 3 });
  });

  it('D8: checks no validity period (an expired leaf matches)', () => {
    const expired = pki.leaf([MX], { expired: true });
    expect(daneMatch(chainOf(expired.cert), [rec(3, 1, 1, pki.data(expired.cert, 1, 1))], names)).toMatchObject({ ok: true });
  });

  it('D10: a record of another key does not match; a matching one among others does (rollover)', () => {
    const other = rec(3, 1, 1, pki.data(pki.other.cert, 1, 1));
    expect(daneMatch(chain, [other], names)).toMatchObject({ ok: false, resultType: 'validation-failure' });
    expect(daneMatch(chain, [other, rec(3, 1, 1, pki.data(leaf.cert, 1, 1))], names)).toMatchObject({ ok: true });
  });

  it('D11: unusable records are never matched, even when their data is the leaf', () => {
    expect(daneMatch(chain, [rec(1, 1, 1, pki.data(leaf.cert, 1, 1)), rec(3, 1, 9, pki.data(leaf.cert, 1, 1))], names)).toMatchObject({ ok: false });
  });
});

describe('DANE-TA(2)', () => {
  const ca201 = rec(2, 0, 1, pki.data(pki.caCert, 0, 1));
  const ca211 = rec(2, 1, 1, pki.data(pki.caCert, 1, 1));

  it('D4: a chain to the CA the record names, the leaf naming the MX host (2 0 1 and 2 1 1)', () => {
    const chain = chainOf(pki.leaf([MX]).cert);
    expect(daneMatch(chain, [ca201], names)).toMatchObject({ ok: true, usage: 2, matchedName: MX });
    expect(daneMatch(chain, [ca211], names)).toMatchObject({ ok: true, usage: 2, matchedName: MX });
  });

  it('D4: through an intermediate, the anchor being either the root or the intermediate', () => {
    const chain = chainOf(pki.leaf([MX], { viaIntermediate: true }).cert);
    expect(daneMatch(chain, [ca201], names)).toMatchObject({ ok: true, usage: 2 });
    expect(daneMatch(chain, [rec(2, 0, 1, pki.data(pki.intermediateCert, 0, 1))], names)).toMatchObject({ ok: true, usage: 2 });
  });

  it('2 0 0 carries the anchor itself: usable when the server leaves it out of its chain', () => {
    const [leafOnly] = chainOf(pki.leaf([MX]).cert);
    const full = rec(2, 0, 0, pki.data(pki.caCert, 0, 0));
    expect(daneMatch([leafOnly!], [full], names)).toMatchObject({ ok: true, usage: 2 });
    expect(daneMatch([leafOnly!], [ca201], names)).toMatchObject({ ok: false });
  });

  it('D5: the next-hop domain is an accepted name', () => {
    expect(daneMatch(chainOf(pki.leaf([NEXTHOP]).cert), [ca201], names)).toMatchObject({ ok: true, matchedName: NEXTHOP });
  });

  it('a wildcard covers one label, no more', () => {
    expect(daneMatch(chainOf(pki.leaf(['*.case.dane.test']).cert), [ca201], names)).toMatchObject({ ok: true, matchedName: MX });
    expect(daneMatch(chainOf(pki.leaf(['*.dane.test']).cert), [ca201], [MX])).toMatchObject({ ok: false });
  });

  it('D6: a leaf naming neither the MX host nor the next hop fails as a host mismatch', () => {
    expect(daneMatch(chainOf(pki.leaf(['elsewhere.invalid']).cert), [ca201], names)).toMatchObject({ ok: false, resultType: 'certificate-host-mismatch' });
  });

  it('D9: an expired leaf fails', () => {
    expect(daneMatch(chainOf(pki.leaf([MX], { expired: true }).cert), [ca201], names)).toMatchObject({ ok: false, resultType: 'certificate-expired' });
  });

  it('a leaf not issued by the anchor fails (the anchor merely present in the chain is not enough)', () => {
    const forged = [...chainOf(pki.other.cert), ...chainOf(pki.caCert)];
    expect(daneMatch(forged, [ca201], ['other.invalid'])).toMatchObject({ ok: false, resultType: 'certificate-not-trusted' });
  });

  it('no chain at all fails', () => {
    expect(daneMatch([], [ca201], names)).toMatchObject({ ok: false });
  });
});
