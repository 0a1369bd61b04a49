// The SMTP session up to the point where mail can flow: one small handler per protocol step
// (greeting, EHLO with HELO fallback, STARTTLS, second EHLO), each deciding by the TLS policy
// (reference §7.2; issue 4 "TLS, mode by mode"). The result is either a DeliveryConnection ready for
// MAIL FROM or a ConnectFailure saying at which stage and why. Under a Required mode no path leads
// to a connection that is not encrypted (and, for the Verify modes, verified): MAIL FROM is never
// sent in the clear.
import { SmtpDeliveryConnection } from './connection.js';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { formatReply } from './reply.js';
import { defaultSessionCache, secureContextFor, sessionKey, sniName, tlsConnectOptions, type TlsSessionCache } from './tls-context.js';
import { mustVerify, requiresTls, triesStartTls } from './tls-policy.js';
import { verifyDane } from './dane/verify.js';
import type { SmtpTransport } from './transport.js';
import { TransportError } from './transport-error.js';
import { connectTransport } from './transport-connect.js';
import type { ConnectFailure, ConnectOptions, Connector, OpenConnection, SmtpReply, TlsInfo } from './types.js';
import { snapshotPeer, verifyPeer, type PeerSnapshot } from './verification.js';

type Stage = ConnectFailure['stage'];

/** A step gave up: the connection ends with this failure. */
class StepFailure extends Error {
  constructor(
    readonly stage: Stage,
    message: string,
    readonly reply?: SmtpReply,
  ) {
    super(message);
  }
}

/** ESMTP keywords from an EHLO reply: upper-case keyword -> parameters (RFC 5321 §4.1.1.1). */
export function parseCapabilities(reply: SmtpReply): Map<string, string> {
  const capabilities = new Map<string, string>();
  // The first line is the server's domain and greeting text, never a keyword (RFC 5321 ehlo-ok-rsp;
  // the appliance ignores a STARTTLS there too, Cisco doc 212587).
  for (const line of reply.text.split('\n').slice(1)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const space = trimmed.search(/[ =]/);
    const keyword = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
    capabilities.set(keyword, space < 0 ? '' : trimmed.slice(space + 1).trim());
  }
  return capabilities;
}

export interface ConnectorDeps {
  /** TLS session cache (resumption across connections to the same MX); a process-wide one by default. */
  sessionCache?: TlsSessionCache;
}

/** Builds a Connector; `connect` below is the one with the process-wide session cache. */
export function createConnector(deps: ConnectorDeps = {}): Connector {
  const cache = deps.sessionCache ?? defaultSessionCache;
  return (options) => openSession(options, cache);
}

export const connect: Connector = createConnector();

async function openSession(options: ConnectOptions, cache: TlsSessionCache): Promise<OpenConnection | ConnectFailure> {
  const { target, policy, timeouts, dcid } = options;
  const emit = options.onEvent ?? (() => undefined);
  const tlsInfo: TlsInfo = { mode: policy.mode, offered: false, attempted: false, negotiated: false };
  let transport: SmtpTransport;
  try {
    transport = await connectTransport({
      ip: target.ip,
      port: target.port,
      localAddress: target.localAddress,
      timeoutMs: timeouts.connectMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    const failure = error as TransportError;
    return { ok: false, stage: failure.kind === 'timeout' ? 'timeout' : 'connect', reason: failure.message, tls: tlsInfo };
  }
  transport.onTerminated = () => emit({ type: 'closed', dcid });
  // SIGTERM while the connection is being set up: nothing is in progress that must end normally, so the
  // connection is dropped now instead of when the greeting or a reply times out (docs/delivery.md). The
  // signal is one per set-up (shutdown.ts), so this listener is its only one.
  const abandon = (): void => transport.destroy();
  options.signal?.addEventListener('abort', abandon, { once: true });
  if (options.signal?.aborted) abandon();
  emit({ type: 'connected', dcid, localAddress: transport.localAddress, ip: target.ip, port: target.port });
  // DANE governs the connection from here on, also when it fails before STARTTLS (EHLO refused): its
  // failure is then logged and reported as DANE's (docs/dane.md).
  if (policy.dane) tlsInfo.dane = { level: policy.dane.level, trust: policy.dane.trust };

  let stage: Stage = 'greeting';
  const host = target.mxHost || target.ip;
  // A full handshake this connection began: other connections to the same MX wait for its session.
  const handshake: HandshakeClaim = { end: null };
  try {
    const greeting = await transport.readReply(timeouts.greetingMs, 'the greeting');
    emit({ type: 'greeting', dcid, reply: greeting });
    if (greeting.code !== 220) {
      throw new StepFailure('greeting', `greeting refused: ${formatReply(greeting)}`, greeting);
    }

    stage = 'ehlo';
    let capabilities = await hello(transport, options, false);

    if (triesStartTls(policy)) {
      stage = 'tls';
      const upgraded = await startTls(transport, options, capabilities, tlsInfo, cache, host, handshake);
      if (upgraded) {
        stage = 'ehlo';
        capabilities = await hello(transport, options, true);
      }
    }
    const connection = new SmtpDeliveryConnection(transport, target, tlsInfo, capabilities, options);
    return { ok: true, connection };
  } catch (error) {
    const failure = toFailure(error, stage, tlsInfo);
    if (failure.stage === 'tls') {
      tlsInfo.failure ??= failure.reason;
      emit({ type: 'tls-failed', dcid, tls: tlsInfo, reason: failure.reason });
    }
    // A server that broke the protocol gets no polite QUIT: whatever it says next cannot be trusted.
    if (failure.stage === 'protocol') transport.destroy();
    else await transport.quit(timeouts.commandMs);
    return failure;
  } finally {
    // By now a TLS 1.3 session ticket has come (the server sends it before it reads EHLO), or none will.
    handshake.end?.();
    // Once set up, the connection's transactions end normally after SIGTERM (shutdown.ts cuts them later).
    options.signal?.removeEventListener('abort', abandon);
  }
}

/** The end of a full handshake a connection began (TlsSessionCache.beginHandshake), once it began one. */
interface HandshakeClaim {
  end: (() => void) | null;
}

/** Waits for `promise`, at most `ms` milliseconds. */
function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the session waits for at each stage of the set-up (the TLS handshake fails with a reason of its own). */
const AWAITED: Partial<Record<Stage, string>> = { greeting: 'the greeting', ehlo: 'the reply to EHLO', tls: 'the reply to STARTTLS' };

function toFailure(error: unknown, stage: Stage, tls: TlsInfo): ConnectFailure {
  if (error instanceof StepFailure) {
    const failure: ConnectFailure = { ok: false, stage: error.stage, reason: error.message, tls };
    if (error.reply) failure.reply = error.reply;
    return failure;
  }
  if (error instanceof TransportError) {
    const mapped: Stage =
      error.kind === 'timeout' ? 'timeout' : error.kind === 'protocol' ? 'protocol' : error.kind === 'tls' ? 'tls' : stage;
    const failure: ConnectFailure = { ok: false, stage: mapped, reason: error.message, tls };
    if (error.reply) failure.reply = error.reply;
    // Closed or reset by the server: say what was awaited, as a time-out's reason does.
    else if (error.kind === 'closed') failure.reason = `${error.message} while waiting for ${AWAITED[stage] ?? 'a reply'}`;
    return failure;
  }
  return { ok: false, stage, reason: error instanceof Error ? error.message : String(error), tls };
}

/**
 * EHLO, falling back to HELO on a 5xx (RFC 5321 §4.1.4) unless TLS is mandatory and not yet up:
 * a server that hides ESMTP cannot offer STARTTLS, so HELO would only lead to the clear.
 */
async function hello(transport: SmtpTransport, options: ConnectOptions, secure: boolean): Promise<Map<string, string>> {
  const { helo, timeouts, dcid } = options;
  transport.write(`EHLO ${helo}\r\n`);
  const reply = await transport.readReply(timeouts.commandMs, 'the reply to EHLO');
  if (reply.code === 250) {
    const capabilities = parseCapabilities(reply);
    options.onEvent?.({ type: 'ehlo', dcid, capabilities: [...capabilities.keys()], secure });
    return capabilities;
  }
  if (reply.code < 500 || secure) throw new StepFailure('ehlo', `EHLO refused: ${formatReply(reply)}`, reply);
  if (requiresTls(options.policy)) {
    throw new StepFailure('tls', `TLS is required, but the server refused EHLO: ${formatReply(reply)}`, reply);
  }
  transport.write(`HELO ${helo}\r\n`);
  const heloReply = await transport.readReply(timeouts.commandMs, 'the reply to HELO');
  if (heloReply.code !== 250) throw new StepFailure('ehlo', `HELO refused: ${formatReply(heloReply)}`, heloReply);
  options.onEvent?.({ type: 'ehlo', dcid, capabilities: [], secure });
  return new Map();
}

/**
 * STARTTLS as the mode demands. Returns true when TLS is up (the caller sends EHLO again and uses
 * only the new capabilities), false when the mode lets the session continue in the clear.
 */
async function startTls(
  transport: SmtpTransport,
  options: ConnectOptions,
  capabilities: Map<string, string>,
  tlsInfo: TlsInfo,
  cache: TlsSessionCache,
  host: string,
  handshake: HandshakeClaim,
): Promise<boolean> {
  const { policy, timeouts, dcid, target } = options;
  const required = requiresTls(policy);
  tlsInfo.offered = capabilities.has('STARTTLS');
  if (!tlsInfo.offered) {
    if (required) throw new StepFailure('tls', `TLS is required, but was not offered by host ${host}`);
    tlsInfo.failure = 'STARTTLS not offered';
    return false;
  }

  // Nothing may follow STARTTLS until its reply, even with PIPELINING (RFC 2920 §3.1, RFC 3207 §4).
  tlsInfo.attempted = true;
  transport.write('STARTTLS\r\n');
  const reply = await transport.readStartTlsReply(timeouts.commandMs);
  options.onEvent?.({ type: 'starttls', dcid, reply });
  if (reply.code !== 220) {
    if (required) throw new StepFailure('tls', `TLS is required, but host ${host} refused to start TLS: ${formatReply(reply)}`, reply);
    if (reply.code < 400) throw new StepFailure('protocol', `unexpected reply to STARTTLS: ${formatReply(reply)}`, reply);
    // 421: the server is closing the channel (RFC 5321 §3.8), so there is no clear session to go on with;
    // a failed attempt like a 421 greeting, and the next MX is tried.
    if (reply.code === 421) throw new StepFailure('ehlo', `server closing the connection in reply to STARTTLS: ${formatReply(reply)}`, reply);
    // Refused before the 220: Preferred modes continue in the clear on this connection (reference §7.2).
    tlsInfo.failure = `STARTTLS refused: ${formatReply(reply)}`;
    return false;
  }

  // After the 220 there is no way back to the clear: any failure abandons the connection.
  const key = sessionKey(target.ip, target.port, sniName(policy.servername) ?? '', secureContextFor(policy).id);
  // A DANE-authenticated host is verified on every handshake: a resumed session shows no chain to match
  // (Node 20), so DANE sessions are neither offered nor kept (reference §1.4).
  const daneAuth = policy.dane?.level === 'dane' ? policy.dane : undefined;
  let cached = daneAuth ? undefined : cache.get(key);
  if (!daneAuth && !cached) {
    // Connections to one MX can start together (the first connections of domains hosted on one MX): when
    // another one to this MX is in its full handshake, its session is a few milliseconds away, and resuming
    // it saves this connection a full handshake (Postfix's session cache serves its parallel smtp
    // processes the same way). Bounded by the TLS timeout; the server waits for our ClientHello meanwhile,
    // and nothing it sends is read as a reply (startTls below refuses any byte that came after the 220).
    const underWay = cache.handshakeUnderWay(key);
    if (underWay) {
      await waitAtMost(underWay, timeouts.tlsMs);
      cached = cache.get(key);
    }
    if (!cached) handshake.end = cache.beginHandshake(key);
  }
  // The peer facts are read once per connection; a resumed session shows none and keeps the cached ones.
  let peer: PeerSnapshot | undefined | null = null;
  let presented: PeerCertificate | undefined;
  const peerOf = (tlsSocket: TLSSocket): PeerSnapshot | undefined =>
    (peer ??= snapshotPeer(tlsSocket, presented) ?? (tlsSocket.isSessionReused() ? cached?.peer : undefined));
  const connectOptions = tlsConnectOptions(policy, cached?.session, (cert) => (presented = cert));
  let socket;
  try {
    socket = await transport.startTls(connectOptions, timeouts.tlsMs, (session, tlsSocket) => {
      if (daneAuth) return;
      cache.set(key, { session, peer: peerOf(tlsSocket) });
      handshake.end?.();
    });
  } catch (error) {
    cache.delete(key);
    throw error;
  }
  tlsInfo.negotiated = true;
  tlsInfo.resumed = socket.isSessionReused();
  const protocol = socket.getProtocol();
  if (protocol) tlsInfo.protocol = protocol;
  const cipher = socket.getCipher();
  if (cipher?.name) tlsInfo.cipher = cipher.name;
  if (daneAuth) {
    Object.assign(tlsInfo, verifyDane(socket, daneAuth));
    if (!tlsInfo.verified) throw new StepFailure('tls', `DANE verification failed: ${tlsInfo.dane?.error ?? 'no TLSA record matched'}`);
  } else {
    Object.assign(tlsInfo, verifyPeer(peerOf(socket), policy));
  }
  if (!daneAuth && mustVerify(policy.mode) && !tlsInfo.verified) {
    throw new StepFailure('tls', `certificate verification failed: ${tlsInfo.verifyError ?? 'unknown reason'}`);
  }
  options.onEvent?.({ type: 'tls-success', dcid, tls: tlsInfo });
  return true;
}
