// Where `tlsverify` and `daneverify` connect: the host given on the command line (its own addresses, not its
// MX), or every address of every mail exchanger of the domain in MX order (IPv6 first, as the Default row).
// Each lookup is shown as it is made; a failure is reported through the caller's verdict line.
import { isIP } from 'node:net';
import { normaliseHostname } from '../table/domain.js';
import type { MxResolver } from './dns.js';
import { orderTargets, type RouteTarget } from './route.js';

export type VerifyTarget = RouteTarget & { port: number };

/** Parses `HOST[:PORT]` (`[IPv6]:PORT` for IPv6 with a port); null when invalid. */
export function parseHostPort(raw: string, defaultPort: number): { host: string; port: number } | null {
  const s = raw.trim();
  let host = s;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1] ?? '';
    if (bracket[2]) port = Number(bracket[2]);
  } else if (isIP(s) !== 6) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(s);
    if (!m) return null;
    host = m[1] ?? '';
    if (m[2]) port = Number(m[2]);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (isIP(host)) return { host, port };
  const name = normaliseHostname(host);
  return name ? { host: name, port } : null;
}

/** The normalised DOMAIN, or what is wrong with it or with HOST[:PORT] (the message of status 2). */
export function checkVerifyArgs(domain: string, host: string | undefined): { domain: string } | { error: string } {
  const name = normaliseHostname(domain);
  if (!name) return { error: `Invalid domain ${JSON.stringify(domain)}.` };
  if (host && !parseHostPort(host, 25)) return { error: `Invalid host ${JSON.stringify(host)}: expected HOST[:PORT].` };
  return { domain: name };
}

export interface FindTargetsArgs {
  domain: string;
  host?: string;
  defaultPort: number;
  mx: MxResolver;
  print: (line: string) => void;
  printError: (line: string) => void;
  /** Prints the command's failure verdict with this reason. */
  fail: (reason: string) => void;
}

/** The targets in order, or the exit status when there are none (2: bad HOST[:PORT], 1: nothing to connect to). */
export async function findTargets(a: FindTargetsArgs): Promise<VerifyTarget[] | 1 | 2> {
  const { print } = a;
  if (a.host) {
    const hp = parseHostPort(a.host, a.defaultPort);
    if (!hp) {
      a.printError(`Invalid host ${JSON.stringify(a.host)}: expected HOST[:PORT].`);
      return 2;
    }
    if (isIP(hp.host)) return [{ ip: hp.host, family: isIP(hp.host) as 4 | 6, mxHost: '', preference: 0, port: hp.port }];
    const h = await a.mx.hostAddresses(hp.host);
    if (h.lookupFailed) print(`  ${h.lookupFailed}`);
    const targets = orderTargets([h], 'PREFER_V6').targets.map((t) => ({ ...t, mxHost: hp.host, port: hp.port }));
    if (targets.length === 0) {
      a.fail(`no address for ${hp.host}`);
      return 1;
    }
    return targets;
  }
  print(`Looking up MX records for ${a.domain}`);
  const r = await a.mx.resolve(a.domain);
  if (!r.ok) {
    print(`  ${r.reason}`);
    a.fail('no mail exchanger to connect to');
    return 1;
  }
  for (const h of r.hosts) print(`  ${r.implicit ? 'no MX records; using the domain itself' : `MX ${h.preference} ${h.host}`}: ${[...h.v6, ...h.v4].join(', ') || h.lookupFailed || h.noAddress || 'no address'}`);
  const targets = orderTargets(r.hosts, 'PREFER_V6').targets.map((t) => ({ ...t, port: a.defaultPort }));
  if (targets.length === 0) {
    a.fail('no address for any mail exchanger');
    return 1;
  }
  return targets;
}
