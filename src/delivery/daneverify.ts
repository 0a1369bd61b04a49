// `daneverify DOMAIN [HOST[:PORT]]`, shared by the ESA> prompt and `destconfig daneverify` (reference §7.4,
// §12.3: its success output contains `DANE SUCCESS for <domain>`). For each mail exchanger address in
// order it shows what delivery's DANE would decide (dane/policy.ts: the DNSSEC status of the MX and
// address records, the TLSA records at _PORT._tcp.HOST), then connects with that DANE policy
// (session.ts: STARTTLS mandatory, the chain matched against the usable TLSA records by dane/verify.ts)
// and ends with `DANE SUCCESS for DOMAIN` at the first host DANE-authenticated, or
// `DANE FAILED for DOMAIN: reason`. Status 0 success, 1 failure, 2 bad input.
// The row's DANE setting plays no part: the question is whether the domain *can* be DANE-authenticated,
// so the level is the Opportunistic one (which also accepts a secure host behind an unsigned MX RRset,
// reported "Trusted" as Postfix does) and anything short of usable TLSA that matched is a failure.
import os from 'node:os';
import { MxResolver, createResolver, dnsQueryTimeout, parseDnsServer } from './dns.js';
import { createDaneResolver } from './dane/setup.js';
import { tlsaRecords, type DaneQueryType } from './dane/policy.js';
import type { SecureAnswer } from './dane/secure-dns.js';
import { formatTlsa, isUsable, matchingName, selectorName, short, usageName } from './dane/tlsa.js';
import { connect } from './session.js';
import { printEvent, printPeerCertificate } from './tlsverify.js';
import { checkVerifyArgs, findTargets, type VerifyTarget } from './verify-targets.js';
import { DEFAULT_TIMEOUTS, type ConnectionEvent, type Connector } from './types.js';

export interface DaneVerifyArgs {
  domain: string;
  host?: string;
  /** Every line of the run; `detail` false keeps only the per-host results, warnings and the verdict. */
  print: (line: string) => void;
  /** Where a bad argument is reported (status 2); `print` when not given (the ESA> prompt). */
  printError?: (line: string) => void;
  /** Where warnings go (the resolver does not validate); `print` when not given. */
  printWarning?: (line: string) => void;
  /** Show each step (lookups, SMTP dialogue, certificate); default true. */
  detail?: boolean;
  dnsServers?: string[];
  port?: number;
  helo?: string;
  /** Per-step time-out (each DNS query at most 5 s, connect, each reply, the handshake). */
  timeoutMs?: number;
  /** Injected in tests; the real connection layer otherwise. */
  connector?: Connector;
}

export async function runDaneVerify(args: DaneVerifyArgs): Promise<number> {
  const { print } = args;
  const printError = args.printError ?? print;
  const warn = (line: string): void => (args.printWarning ?? print)(`Warning: ${line}`);
  const step = args.detail === false ? (): void => undefined : print;
  const checked = checkVerifyArgs(args.domain, args.host);
  if ('error' in checked) {
    printError(checked.error);
    return 2;
  }
  const { domain } = checked;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const dnsTimeoutMs = dnsQueryTimeout(timeoutMs);
  const servers = (args.dnsServers ?? []).map((s) => parseDnsServer(s) ?? s);
  const mx = new MxResolver({ resolver: createResolver({ servers, timeoutMs: dnsTimeoutMs }) });
  const dane = createDaneResolver(servers, dnsTimeoutMs, (name, type, answer) => showAnswer(name, type, answer, step));
  const { server, trusted } = dane.resolver;
  step(`DNSSEC status from the resolver ${server}${trusted ? '' : ' (not on loopback: its AD bits are not trusted)'}`);
  if (!trusted) warn(`the resolver ${server} is not on loopback, so its DNSSEC answers are not trusted and no host can be DANE-authenticated; a local validating resolver is needed (first in /etc/resolv.conf, or destconfig daneverify --dns-server 127.0.0.1).`);

  const fail = (reason: string): void => print(`DANE FAILED for ${domain}: ${reason}`);
  const targets = await findTargets({ domain, ...(args.host ? { host: args.host } : {}), defaultPort: args.port ?? 25, mx, print: step, printError, fail });
  if (typeof targets === 'number') return targets;

  const failures: string[] = [];
  for (const t of targets) {
    const label = `${t.mxHost ? `${t.mxHost} ` : ''}[${t.ip}] port ${t.port}`;
    const outcome = await verifyTarget(domain, t, args, dane, step, timeoutMs);
    print(`${label}: ${outcome.summary}`);
    if (outcome.ok) {
      print(`DANE SUCCESS for ${domain}`);
      return 0;
    }
    failures.push(`${t.mxHost || t.ip}: ${outcome.summary}`);
  }
  // The not-on-loopback case was said up front.
  if (trusted && dane.validatedNothing) warn(`the resolver ${server} gave no DNSSEC-validated (AD) answer at all: it may not validate DNSSEC, so no host could be DANE-authenticated`);
  fail(failures.length === 1 ? (failures[0] as string) : `no host was DANE-authenticated (${failures.join('; ')})`);
  return 1;
}

type TargetOutcome = { ok: boolean; summary: string };

async function verifyTarget(
  domain: string,
  t: VerifyTarget,
  args: DaneVerifyArgs,
  dane: ReturnType<typeof createDaneResolver>,
  step: (line: string) => void,
  timeoutMs: number,
): Promise<TargetOutcome> {
  step(`Checking DANE for ${t.mxHost || t.ip} (IPv${t.family}) port ${t.port}`);
  if (!t.mxHost) return { ok: false, summary: 'an address has no TLSA base domain (give a host name)' };
  const level = await dane.forHost('opportunistic', domain, t.mxHost, t.family, t.port);
  if (level.action === 'defer') return { ok: false, summary: `${level.reason} [${level.resultType}]` };
  step(`  DANE level: ${level.policy?.level === 'dane' ? 'dane' : level.policy ? 'encrypt' : 'none'} (${level.why})`);
  if (!level.policy) return { ok: false, summary: level.why };
  if (level.policy.level === 'encrypt') return { ok: false, summary: `${level.why}; delivery would require TLS, but no certificate can be DANE-authenticated` };

  step(`Connecting to ${t.mxHost} [${t.ip}] port ${t.port}`);
  const stepMs = Math.max(1000, timeoutMs);
  const result = await (args.connector ?? connect)({
    target: { ip: t.ip, port: t.port, mxHost: t.mxHost },
    policy: { mode: 'required', referenceIds: [domain, t.mxHost], servername: level.policy.baseDomain ?? t.mxHost, dane: level.policy },
    helo: args.helo ?? os.hostname(),
    timeouts: { ...DEFAULT_TIMEOUTS, connectMs: stepMs, greetingMs: stepMs, commandMs: stepMs, tlsMs: stepMs },
    dcid: 0,
    onEvent: (ev: ConnectionEvent) => printEvent(ev, step),
  });
  if (!result.ok) {
    if (result.tls?.peerCertificate) printPeerCertificate(result.tls.peerCertificate, step);
    step(`  ${result.reason}`);
    return { ok: false, summary: result.reason };
  }
  const tls = result.connection.tls;
  await result.connection.close();
  if (tls.peerCertificate) printPeerCertificate(tls.peerCertificate, step);
  // The connection layer ends a DANE connection whose certificate matched no record, so here one did.
  const record = tls.dane?.record ?? '';
  const usage = Number(record.split(' ')[0]);
  step(`  TLSA match: ${usageName(usage)}(${usage}) ${record}${tls.matchedIdentity && usage === 2 ? `; the certificate names ${tls.matchedIdentity}` : ''}`);
  return { ok: true, summary: `${tls.dane?.trust ?? 'Verified'} TLS connection, ${usageName(usage)} TLSA ${short(record)} matched` };
}

/** One line per DNS answer: its DNSSEC status, and each TLSA record with what it means and whether SMTP may use it. */
function showAnswer(name: string, type: DaneQueryType, answer: SecureAnswer, step: (line: string) => void): void {
  const what = `${type} ${name}`;
  if (answer.result === 'failure') {
    step(`  ${what}: lookup error (${answer.failure ?? 'failed'}): bogus or unreachable, the host cannot be used`);
    return;
  }
  const security = answer.security === 'secure' ? 'DNSSEC secure (AD)' : 'insecure (no AD)';
  const found = answer.result === 'answer' ? `${answer.answers.length} record${answer.answers.length === 1 ? '' : 's'}` : answer.result === 'nxdomain' ? 'NXDOMAIN' : 'no records';
  const via = answer.cnames.length > 0 ? ` via CNAME ${answer.cnames.join(' -> ')}` : '';
  step(`  ${what}: ${found}${via}, ${security}`);
  if (type !== 'TLSA') return;
  for (const r of tlsaRecords(answer)) {
    const meaning = `${usageName(r.usage)}(${r.usage}) ${selectorName(r.selector)}(${r.selector}) ${matchingName(r.matchingType)}(${r.matchingType})`;
    step(`    ${short(formatTlsa(r))}  ${meaning}: ${isUsable(r) ? 'usable' : 'unusable for SMTP (RFC 7672 §3)'}`);
  }
}
