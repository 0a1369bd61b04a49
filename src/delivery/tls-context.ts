// What tls.connect needs for one STARTTLS upgrade: a cached SecureContext per trust/client-certificate
// set (building one parses Node's ~150 bundled roots, far too costly per connection) and a small TLS
// session cache keyed by ip:port:servername plus that context, so later connections to the same MX
// resume instead of doing a full handshake (Postfix keeps such a cache: smtp_tls_session_cache_*).
import net from 'node:net';
import tls from 'node:tls';
import type { TlsPolicy } from './types.js';
import type { PeerSnapshot } from './verification.js';

/** A cached TLS session and what the full handshake that created it learned about the peer. */
export interface CachedSession {
  session: Buffer;
  peer?: PeerSnapshot;
}

const contexts = new Map<string, { id: number; context: tls.SecureContext }>();
let nextContextId = 1;

/** The native half of a SecureContext: `addCACert` is what `tls.createSecureContext({ ca })` calls per entry. */
interface NativeContext {
  addCACert?: (pem: string) => void;
}

/**
 * A SecureContext trusting Node's roots plus `extraCa`. `createSecureContext({ ca: [...tls.rootCertificates,
 * ...extraCa] })` would serialise Node's ~150 roots to PEM, parse them back and add each to the context's
 * list of client-CA names (about 25 ms of CPU, once per process but inside the first delivery). Instead the
 * context starts on Node's shared root store (already parsed X509 objects) and the extra anchors are added
 * with the same native call the `ca` option uses; Node copies the shared store into the context's own
 * before the first addition (src/crypto/crypto_context.cc, `AddCACert`), so the result trusts exactly the
 * same roots plus the extras (and honours NODE_EXTRA_CA_CERTS as Node's default context does).
 */
function contextWithExtraCa(extraCa: string[], options: tls.SecureContextOptions): tls.SecureContext {
  const context = tls.createSecureContext(options);
  const native = (context as tls.SecureContext & { context?: NativeContext }).context;
  if (typeof native?.addCACert !== 'function') return tls.createSecureContext({ ...options, ca: [...tls.rootCertificates, ...extraCa] });
  for (const pem of extraCa) native.addCACert(pem);
  return context;
}

/** SecureContext trusting Node's roots plus policy.extraCa, presenting policy.clientCert. Cached. */
export function secureContextFor(policy: TlsPolicy): { id: number; context: tls.SecureContext } {
  const extraCa = policy.extraCa ?? [];
  const key = `${extraCa.join('\n')}\u0000${policy.clientCert?.cert ?? ''}\u0000${policy.clientCert?.key ?? ''}`;
  let entry = contexts.get(key);
  if (!entry) {
    const options: tls.SecureContextOptions = {};
    if (policy.clientCert) {
      options.cert = policy.clientCert.cert;
      options.key = policy.clientCert.key;
    }
    const context = extraCa.length > 0 ? contextWithExtraCa(extraCa, options) : tls.createSecureContext(options);
    entry = { id: nextContextId++, context };
    contexts.set(key, entry);
  }
  return entry;
}

/**
 * Bounded LRU of TLS sessions with an age limit. Time is injectable for tests. It also knows which full
 * handshakes are under way: connections to one MX can start together (the first connections of domains
 * hosted on one MX), and one that reaches STARTTLS while another is still in its full handshake waits for
 * that session (briefly) instead of doing a full handshake of its own.
 */
export class TlsSessionCache {
  private readonly sessions = new Map<string, { entry: CachedSession; storedAt: number }>();
  private readonly handshakes = new Map<string, Promise<void>>();
  constructor(
    private readonly maxEntries = 256,
    private readonly maxAgeMs = 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CachedSession | undefined {
    const stored = this.sessions.get(key);
    if (!stored) return undefined;
    if (this.now() - stored.storedAt > this.maxAgeMs) {
      this.sessions.delete(key);
      return undefined;
    }
    return stored.entry;
  }

  set(key: string, entry: CachedSession): void {
    this.sessions.delete(key);
    this.sessions.set(key, { entry, storedAt: this.now() });
    if (this.sessions.size > this.maxEntries) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
  }

  delete(key: string): void {
    this.sessions.delete(key);
  }

  /**
   * A full handshake to `key` begins. Returns its end: call it when the session was stored or the
   * connection's set-up ended either way (idempotent).
   */
  beginHandshake(key: string): () => void {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.handshakes.set(key, ended);
    return () => {
      if (this.handshakes.get(key) === ended) this.handshakes.delete(key);
      end();
    };
  }

  /** The full handshake to `key` under way, if any (resolves when it ends; never rejects). */
  handshakeUnderWay(key: string): Promise<void> | undefined {
    return this.handshakes.get(key);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** The process-wide cache used when the caller does not pass one. */
export const defaultSessionCache = new TlsSessionCache();

/** SNI: the MX host name; never an IP address (RFC 6066 §3 forbids literal addresses). */
export function sniName(servername: string): string | undefined {
  const name = servername.replace(/\.$/, '');
  if (!name || net.isIP(name) !== 0 || name.startsWith('[')) return undefined;
  return name;
}

export function sessionKey(ip: string, port: number, servername: string, contextId: number): string {
  return `${ip}:${port}:${servername}:${contextId}`;
}

/**
 * Options for tls.connect: verification is never left to Node (rejectUnauthorized false, identity
 * check disabled) so every mode gets the result recorded and the policy decides what it means.
 * `onPeerCertificate` receives the certificate Node reads for its identity check (after a full
 * handshake whose chain verified): reading it again would cost as much a second time.
 */
export function tlsConnectOptions(
  policy: TlsPolicy,
  session: Buffer | undefined,
  onPeerCertificate?: (cert: tls.PeerCertificate) => void,
): tls.ConnectionOptions {
  const { context } = secureContextFor(policy);
  const servername = sniName(policy.servername);
  const options: tls.ConnectionOptions = {
    secureContext: context,
    rejectUnauthorized: false,
    checkServerIdentity: (_host, cert) => {
      onPeerCertificate?.(cert);
      return undefined;
    },
  };
  if (servername) options.servername = servername;
  if (session) options.session = session;
  return options;
}
