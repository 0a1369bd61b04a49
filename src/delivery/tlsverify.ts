// `tlsverify DOMAIN [HOST[:PORT]]`, shared by the ESA> prompt and `destconfig tlsverify`: connects to the
// domain's mail exchangers in MX order (or to the host given), shows each step (connect, EHLO, STARTTLS,
// protocol and cipher, the peer certificate, the chain result and the identity match under the Verify
// profile, reference §7.3 / §12.1: "The CLI command tlsverify uses the 'Verify Algorithm'") and ends with a
// verdict. Exit status 0 when TLS was negotiated and the certificate verified, 1 otherwise.
import os from 'node:os';
import { MxResolver, createResolver, dnsQueryTimeout, parseDnsServer } from './dns.js';
import { checkVerifyArgs, findTargets } from './verify-targets.js';

export { parseHostPort } from './verify-targets.js';
import { connect } from './session.js';
import { readCaFile } from './ca-file.js';
import { DEFAULT_TIMEOUTS, type Connector, type ConnectionEvent, type TlsInfo } from './types.js';

export interface TlsVerifyArgs {
  domain: string;
  host?: string;
  home: string;
  print: (line: string) => void;
  /** Where a bad argument is reported (status 2); `print` when not given (the ESA> prompt). */
  printError?: (line: string) => void;
  dnsServers?: string[];
  port?: number;
  caFile?: string;
  helo?: string;
  /** Per-step time-out (connect, each reply, the handshake). */
  timeoutMs?: number;
  /** Injected in tests; the real connection layer otherwise. */
  connector?: Connector;
}

export async function runTlsVerify(args: TlsVerifyArgs): Promise<number> {
  const { print } = args;
  const printError = args.printError ?? print;
  const checked = checkVerifyArgs(args.domain, args.host);
  if ('error' in checked) {
    printError(checked.error);
    return 2;
  }
  const { domain } = checked;
  const defaultPort = args.port ?? 25;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const servers = (args.dnsServers ?? []).map((s) => parseDnsServer(s) ?? s);
  const mx = new MxResolver({ resolver: createResolver({ servers, timeoutMs: dnsQueryTimeout(timeoutMs) }) });

  // The trust anchors before any lookup: a CA file that cannot be used ends the command (status 2) at once.
  let extraCa: string[] | undefined;
  if (args.caFile) {
    try {
      extraCa = await readCaFile(args.caFile);
    } catch (err) {
      printError((err as Error).message);
      return 2;
    }
  }

  // Where to connect: the given host, or every address of every MX in order (IPv6 first, as the Default row).
  const fail = (reason: string): void => print(`TLS verification of '${domain}' FAILED: ${reason}.`);
  const targets = await findTargets({ domain, ...(args.host ? { host: args.host } : {}), defaultPort, mx, print, printError, fail });
  if (typeof targets === 'number') return targets;

  const connector = args.connector ?? connect;
  const step = Math.max(1000, timeoutMs);
  for (const t of targets) {
    const name = t.mxHost || t.ip;
    print(`Connecting to ${t.mxHost ? `${t.mxHost} ` : ''}[${t.ip}] port ${t.port}`);
    const referenceIds = [domain, ...(t.mxHost && t.mxHost !== domain ? [t.mxHost] : [])];
    const onEvent = (ev: ConnectionEvent): void => printEvent(ev, print);
    const result = await connector({
      target: { ip: t.ip, port: t.port, mxHost: t.mxHost },
      // Preferred - Verify: negotiate TLS and record the verification result without letting it end the session
      // early, so every step can be shown; the verdict below applies the Verify rule.
      policy: { mode: 'preferred_verify', referenceIds, servername: t.mxHost, ...(extraCa ? { extraCa } : {}) },
      helo: args.helo ?? os.hostname(),
      timeouts: { ...DEFAULT_TIMEOUTS, connectMs: step, greetingMs: step, commandMs: step, tlsMs: step },
      dcid: 0,
      onEvent,
    });
    if (!result.ok) {
      // A TLS failure was already shown by its event (printEvent), so it is not repeated here.
      if (result.stage !== 'tls') print(`  Connection failed: ${result.reason}`);
      if (result.tls?.peerCertificate) printCertificate(result.tls, referenceIds, print);
      if (result.stage === 'connect' || result.stage === 'timeout' || result.stage === 'greeting') continue;
      print(`TLS verification of '${domain}' FAILED: ${result.reason}.`);
      return 1;
    }
    const tls = result.connection.tls;
    await result.connection.close();
    if (!tls.negotiated) {
      print(`  ${tls.failure ?? 'STARTTLS was not offered'}`);
      print(`TLS verification of '${domain}' FAILED: TLS could not be negotiated with ${name}.`);
      return 1;
    }
    printCertificate(tls, referenceIds, print);
    if (tls.verified) {
      print(`TLS connection to '${domain}' (${name}) succeeded: certificate verified.`);
      return 0;
    }
    print(`TLS verification of '${domain}' FAILED: ${tls.verifyError ?? 'certificate not verified'}.`);
    return 1;
  }
  print(`TLS verification of '${domain}' FAILED: no mail exchanger could be reached.`);
  return 1;
}

export function printEvent(ev: ConnectionEvent, print: (line: string) => void): void {
  switch (ev.type) {
    case 'connected':
      print(`  Connected from ${ev.localAddress}`);
      break;
    case 'greeting':
      print(`  Greeting: ${ev.reply.code} ${ev.reply.text.split('\n')[0] ?? ''}`);
      break;
    case 'ehlo':
      print(`  EHLO${ev.secure ? ' (after TLS)' : ''}: ${ev.capabilities.join(', ') || 'no extensions'}`);
      break;
    case 'starttls':
      print(`  STARTTLS: ${ev.reply.code} ${ev.reply.text.split('\n')[0] ?? ''}`);
      break;
    case 'tls-success':
      print(`  TLS connection established: protocol ${ev.tls.protocol ?? '?'}, cipher ${ev.tls.cipher ?? '?'}`);
      break;
    case 'tls-failed':
      print(`  TLS failed: ${ev.reason}`);
      break;
    default:
      break;
  }
}

function printCertificate(tls: TlsInfo, referenceIds: string[], print: (line: string) => void): void {
  if (!tls.peerCertificate) return;
  printPeerCertificate(tls.peerCertificate, print);
  // The connection layer checks the chain (and validity) first, then the identity: a verifyError other
  // than the identity one is a chain error.
  const chainError = tls.verifyError && tls.verifyError !== IDENTITY_ERROR ? tls.verifyError : null;
  print(chainError ? `  Chain: NOT verified: ${chainError}` : '  Chain: verified to a trusted CA, within its validity period');
  print(
    tls.matchedIdentity
      ? `  Identity (Verify profile): ${tls.matchedIdentity} matches (reference identities: ${referenceIds.join(', ')})`
      : `  Identity (Verify profile): no presented name matches ${referenceIds.join(' or ')}`,
  );
}

/** The facts of the server's certificate (also daneverify's). */
export function printPeerCertificate(c: NonNullable<TlsInfo['peerCertificate']>, print: (line: string) => void): void {
  print('  Peer certificate:');
  print(`    subject: ${c.subject}`);
  print(`    names: ${c.subjectAltNames.length ? c.subjectAltNames.join(', ') : '(no subjectAltName)'}${c.commonName ? `; CN ${c.commonName}` : ''}`);
  print(`    issuer: ${c.issuer}`);
  print(`    valid from ${c.validFrom} to ${c.validTo}`);
  print(`    SHA-256 fingerprint: ${c.fingerprint256}`);
}

/** The words verification.ts uses when the chain is fine but no name matched. */
const IDENTITY_ERROR = 'hostname mismatch';
