// The DANE resolver of a `deliver` run, made only when some row asks for DANE (loaded with `await
// import()`, so runs without DANE do not load the DNS client). Its AD bits come from the first
// `--dns-server`, else the first server of the system configuration; they are believed only when that
// server is on loopback (a local validating resolver, as Postfix requires; docs/dane.md).
import { getServers } from 'node:dns';
import { DaneResolver, type DaneResolverOptions } from './policy.js';
import { SecureDns } from './secure-dns.js';

export function createDaneResolver(servers: string[], timeoutMs: number, onAnswer?: DaneResolverOptions['onAnswer']): DaneResolver {
  const server = servers[0] ?? getServers()[0] ?? '127.0.0.1';
  return new DaneResolver({ dns: new SecureDns({ server, timeoutMs }), ...(onAnswer ? { onAnswer } : {}) });
}
