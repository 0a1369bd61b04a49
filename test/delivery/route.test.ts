import { describe, expect, it } from 'vitest';
import { literalRoute, orderTargets } from '../../src/delivery/route.js';
import type { MxHost } from '../../src/delivery/dns.js';

const hosts: MxHost[] = [
  { host: 'a.test', preference: 10, v4: ['192.0.2.1'], v6: ['2001:db8::1'] },
  { host: 'b.test', preference: 10, v4: ['192.0.2.2'], v6: [] },
  { host: 'c.test', preference: 20, v4: ['192.0.2.3'], v6: ['2001:db8::3'] },
];
const ips = (pref: Parameters<typeof orderTargets>[1]): string[] => orderTargets(hosts, pref).targets.map((t) => t.ip);

describe('IP sort preference within MX levels', () => {
  it('PREFER_V6: IPv6 first within each level, never across levels', () => {
    expect(ips('PREFER_V6')).toEqual(['2001:db8::1', '192.0.2.1', '192.0.2.2', '2001:db8::3', '192.0.2.3']);
  });
  it('PREFER_V4: IPv4 first within each level', () => {
    expect(ips('PREFER_V4')).toEqual(['192.0.2.1', '192.0.2.2', '2001:db8::1', '192.0.2.3', '2001:db8::3']);
  });
  it('REQUIRE_V6 drops IPv4 and notes hosts left without an address', () => {
    const r = orderTargets(hosts, 'REQUIRE_V6');
    expect(r.targets.map((t) => t.ip)).toEqual(['2001:db8::1', '2001:db8::3']);
    expect(r.notes).toEqual(['b.test has no IPv6 address (REQUIRE_V6)']);
  });
  it('REQUIRE_V4 drops IPv6', () => {
    expect(ips('REQUIRE_V4')).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });
  it('keeps the MX host name and preference with each address', () => {
    expect(orderTargets(hosts, 'PREFER_V4').targets[2]).toEqual({ ip: '2001:db8::1', family: 6, mxHost: 'a.test', preference: 10 });
  });
});

describe('IP-literal destinations', () => {
  it('go to the bracketed address with no MX host name', () => {
    expect(literalRoute('[192.0.2.9]', 'PREFER_V6').targets).toEqual([{ ip: '192.0.2.9', family: 4, mxHost: '', preference: 0 }]);
    expect(literalRoute('[2001:db8::9]', 'PREFER_V4').targets[0]?.ip).toBe('2001:db8::9');
  });
  it('honour a Require preference of the other family by leaving nothing to try', () => {
    const r = literalRoute('[192.0.2.9]', 'REQUIRE_V6');
    expect(r.targets).toEqual([]);
    expect(r.notes[0]).toContain('REQUIRE_V6');
  });
});
