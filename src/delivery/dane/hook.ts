// Where delivery asks about DANE: before each connection attempt, the row's DANE setting and the host's
// DNSSEC status give the TLS policy's `dane` part, or a reason not to connect to that host at all
// (open-connection.ts). The level of a host is logged once per run.
import type { DaneMode, DestTable } from '../../table/types.js';
import type { MailLogSink } from '../maillog.js';
import type { AttemptFailure } from '../outcome.js';
import type { DaneConnectPolicy } from '../types.js';
import type { DaneResolver } from './policy.js';
import { daneLines } from './log.js';

export type TargetDane = { skip: false; policy: DaneConnectPolicy | undefined } | { skip: true; failure: AttemptFailure };

/** Hosts whose level was already logged in this process, per resolver (one line per host, not per connection). */
const logged = new WeakMap<DaneResolver, Set<string>>();

export async function daneForTarget(
  resolver: DaneResolver | undefined,
  log: MailLogSink,
  mode: DaneMode,
  destination: string,
  target: { ip: string; mxHost: string; family: 4 | 6 },
  port: number,
): Promise<TargetDane> {
  if (mode === 'no') return { skip: false, policy: undefined };
  if (!resolver) {
    // A run without a DANE resolver cannot honour the row: Mandatory defers, Opportunistic falls back.
    if (mode === 'opportunistic') return { skip: false, policy: undefined };
    return skipped(log, target, 'DANE is mandatory, but no DNSSEC-validating resolver is configured', 'dane-required');
  }
  const host = await resolver.forHost(mode, destination, target.mxHost, target.family, port);
  if (host.action === 'defer') return skipped(log, target, host.reason, host.resultType);
  const seen = logged.get(resolver) ?? new Set<string>();
  logged.set(resolver, seen);
  const key = `${mode} ${destination} ${target.mxHost} ${target.family}`;
  if (!seen.has(key)) {
    seen.add(key);
    log.write(daneLines.level(target.mxHost || target.ip, host.policy ? host.why : `${host.why}; the row's TLS setting applies`));
  }
  return { skip: false, policy: host.policy ?? undefined };
}

function skipped(log: MailLogSink, target: { ip: string; mxHost: string }, reason: string, resultType: string): TargetDane {
  log.write(daneLines.skipped(target.mxHost || target.ip, reason, resultType));
  // A TLS-policy failure with no TLS facts: 4.7.5 (outcome.ts failureCode), and it decides the deferral
  // over plain connection failures, as Postfix's "4.7.5 TLSA lookup error" does.
  return { skip: true, failure: { failure: { ok: false, stage: 'tls', reason }, mxHost: target.mxHost, ip: target.ip, tlsPolicy: true } };
}

/** Does any row ask for DANE (then `deliver` loads the DNSSEC client, dane/setup.ts)? */
export function tableUsesDane(table: DestTable): boolean {
  if (table.defaults.dane !== 'no') return true;
  for (const entry of table.entries.values()) if (entry.dane === 'opportunistic' || entry.dane === 'mandatory') return true;
  return false;
}
