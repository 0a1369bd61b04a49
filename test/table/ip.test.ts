// src/table/ip.ts must accept exactly what node:net accepts (it replaced node:net's isIPv4/isIPv6 in
// destination normalisation): hand-picked cases, then generated near-misses compared with node:net.
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIPv4Address, isIPv6Address } from '../../src/table/ip.js';

const V6_VALID = [
  '::', '::1', '1::', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
  '::ffff:192.0.2.1', '1:2:3:4:5:6:192.0.2.1', '1::192.0.2.1', 'fe80::1%eth0', 'fe80::1%a.b-c:d', '::1.2.3.4',
];
const V6_INVALID = [
  '', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8',
  '12345::', 'g::1', ':1::', '1::2:', '1.2.3.4::', '1:2:3:4:5:6:7:192.0.2.1', '::192.0.2.256', '::192.0.2.01',
  'fe80::1%', 'fe80::1%et h', ' ::1', '::1 ', '[::1]', '1:2:3:4:5:192.0.2.1', '::1.2.3', '::1.2.3.4.5',
];
const V4_VALID = ['0.0.0.0', '192.0.2.1', '255.255.255.255', '10.0.0.99'];
const V4_INVALID = ['', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1.2.3.256', '01.2.3.4', '1.2.3.00', '1..2.3', '1.2.3.4 ', '+1.2.3.4', '1.2.3.1000'];

describe('IP address syntax', () => {
  it('agrees with node:net on hand-picked addresses and near misses', () => {
    for (const s of [...V6_VALID, ...V6_INVALID]) expect([s, isIPv6Address(s)]).toEqual([s, isIPv6(s)]);
    for (const s of [...V4_VALID, ...V4_INVALID]) expect([s, isIPv4Address(s)]).toEqual([s, isIPv4(s)]);
    // The lists are what they say (so the comparison above covers both answers).
    expect(V6_VALID.every((s) => isIPv6(s))).toBe(true);
    expect(V6_INVALID.some((s) => isIPv6(s))).toBe(false);
    expect(V4_INVALID.some((s) => isIPv4(s))).toBe(false);
  });

  // Addresses built from parts (groups, an optional `::`, an optional dotted quad, an optional zone), with
  // parts that are sometimes out of range, so that about half are valid and the rest miss by little.
  const group = fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{1,4}$/), fc.stringMatching(/^[0-9a-gA-G]{0,5}$/));
  const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
  const quad = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
  const v6 = fc
    .record({
      groups: fc.array(group, { minLength: 0, maxLength: 9 }),
      gapAt: fc.option(fc.nat(9)),
      v4: fc.option(quad),
      zone: fc.option(fc.stringMatching(/^[0-9a-zA-Z.:% -]{0,4}$/)),
    })
    .map(({ groups, gapAt, v4, zone }) => {
      const parts = [...groups];
      if (v4 !== null) parts.push(v4);
      let text = parts.join(':');
      if (gapAt !== null) {
        const at = Math.min(gapAt, parts.length);
        text = `${parts.slice(0, at).join(':')}::${parts.slice(at).join(':')}`;
      }
      return zone === null ? text : `${text}%${zone}`;
    });

  it('agrees with node:net on generated IPv6 texts', () => {
    let valid = 0;
    fc.assert(
      fc.property(v6, (s) => {
        if (isIPv6(s)) valid++;
        expect(isIPv6Address(s)).toBe(isIPv6(s));
      }),
      { numRuns: 20_000 },
    );
    expect(valid).toBeGreaterThan(300); // the generator reaches valid addresses, not only rejects
  });

  it('agrees with node:net on generated IPv4 texts and on arbitrary strings', () => {
    fc.assert(
      fc.property(quad, (s) => {
        expect(isIPv4Address(s)).toBe(isIPv4(s));
      }),
      { numRuns: 10_000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-fA-F:.%]{0,20}$/), (s) => {
        expect(isIPv6Address(s)).toBe(isIPv6(s));
        expect(isIPv4Address(s)).toBe(isIPv4(s));
      }),
      { numRuns: 20_000 },
    );
  });
});
