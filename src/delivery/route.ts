// From mail exchangers to the ordered list of addresses a delivery tries, under the row's IP sort
// preference (reference §11): within each MX preference level, a "prefer" setting puts that family's
// addresses first and the other family after; a "require" setting drops the other family. An IP-literal
// recipient (`user@[192.0.2.1]`) goes to that address only.
import { isIP } from 'node:net';
import type { IpSortPref } from '../table/types.js';
import { ipOfDestination, isIpDestination } from '../table/domain.js';
import type { MxHost } from './dns.js';

export interface RouteTarget {
  ip: string;
  family: 4 | 6;
  /** MX host name ('' for an IP-literal destination). */
  mxHost: string;
  preference: number;
}

export interface Route {
  targets: RouteTarget[];
  /** Why some hosts or addresses were left out (shown when nothing is left). */
  notes: string[];
  /** Some host's address lookup failed temporarily (SERVFAIL, time-out): with no target left, a DNS failure. */
  lookupFailed?: boolean;
}

/** Orders the addresses of ordered MX hosts by the row's family preference within each preference level. */
export function orderTargets(hosts: MxHost[], pref: IpSortPref): Route {
  const first: 4 | 6 = pref === 'PREFER_V4' || pref === 'REQUIRE_V4' ? 4 : 6;
  const only = pref === 'REQUIRE_V4' || pref === 'REQUIRE_V6';
  const targets: RouteTarget[] = [];
  const notes: string[] = [];
  let lookupFailed = false;
  let i = 0;
  while (i < hosts.length) {
    // One preference level: hosts are already in their (shuffled) order from dns.ts.
    const level: MxHost[] = [];
    const preference = hosts[i]?.preference;
    while (i < hosts.length && hosts[i]?.preference === preference) level.push(hosts[i++] as MxHost);
    const of = (family: 4 | 6): RouteTarget[] =>
      level.flatMap((h) => (family === 4 ? h.v4 : h.v6).map((ip) => ({ ip, family, mxHost: h.host, preference: h.preference })));
    targets.push(...of(first));
    if (!only) targets.push(...of(first === 4 ? 6 : 4));
    for (const h of level) {
      if (h.lookupFailed) {
        notes.push(h.lookupFailed);
        lookupFailed = true;
      }
      else if (only && (first === 4 ? h.v4 : h.v6).length === 0) notes.push(`${h.host} has no IPv${first} address (${pref})`);
      else if (h.v4.length === 0 && h.v6.length === 0) notes.push(`${h.host} has no address`);
    }
  }
  return lookupFailed ? { targets, notes, lookupFailed } : { targets, notes };
}

/** The single target of an IP-literal destination (`[192.0.2.1]`, `[2001:db8::1]`), under the row's preference. */
export function literalRoute(destination: string, pref: IpSortPref): Route {
  const ip = isIpDestination(destination) ? ipOfDestination(destination) : null;
  const family = ip ? isIP(ip) : 0;
  if (!ip || (family !== 4 && family !== 6)) return { targets: [], notes: [`${destination} is not an IP address literal`] };
  if ((pref === 'REQUIRE_V4' && family !== 4) || (pref === 'REQUIRE_V6' && family !== 6))
    return { targets: [], notes: [`${destination} is not an IPv${family === 4 ? 6 : 4} address (${pref})`] };
  return { targets: [{ ip, family, mxHost: '', preference: 0 }], notes: [] };
}
