// Contracts between the delivery layers (ARCHITECTURE.md decision 5). The connection layer
// (transport.ts, session.ts, identity.ts) opens one SMTP connection to one address and carries messages
// over it; the orchestration layer (dns.ts, route.ts, limits.ts, deliver.ts, maillog.ts, report.ts) decides
// where to connect, how many at once, and what each recipient's outcome is.
import type { TlsMode } from '../table/types.js';

/** An SMTP reply: code, optional RFC 3463 enhanced status code, and the text of all its lines joined by "\n". */
export interface SmtpReply {
  /** Three-digit reply code (RFC 5321 §4.2), e.g. 250. */
  code: number;
  /** Enhanced status code such as '5.1.1', when the first line starts with one of the reply's class. */
  enhanced?: string;
  /** The text after the code (and after the enhanced code, where each line repeats it); lines joined by "\n". */
  text: string;
}

/** What the connection layer needs to know about TLS for one connection. */
export interface TlsPolicy {
  /** Effective TLS mode of the governing row (after Default inheritance). */
  mode: TlsMode;
  /** Reference identities in order: the recipient domain, then the MX host name (reference §7.3). */
  referenceIds: string[];
  /** SNI: the MX host name (empty for IP-literal destinations). */
  servername: string;
  /** Extra trust anchors (PEM) beside Node's bundled roots (--ca-file). */
  extraCa?: string[];
  /** Client certificate presented when the server asks (SETUP certificate). */
  clientCert?: { cert: string; key: string };
  /** DANE for this MX host (the row's DANE setting and the host's DNSSEC-secure TLSA; docs/dane.md). */
  dane?: DaneConnectPolicy;
}

/**
 * What DANE (RFC 7672) demands of one connection. Either level makes STARTTLS mandatory whatever the row's
 * TLS mode; 'dane' also replaces certificate verification by the TLSA match (WebPKI and the row's Verify
 * rules do not apply), and the session is neither resumed nor cached.
 */
export interface DaneConnectPolicy {
  /** 'dane': usable secure TLSA, the certificate must match; 'encrypt': secure TLSA, none usable. */
  level: 'dane' | 'encrypt';
  /** The usable TLSA records (empty for 'encrypt'). */
  tlsa: { usage: number; selector: number; matchingType: number; data: Buffer }[];
  /** Names a DANE-TA(2) leaf may carry: the TLSA base domain (MX host), then the next-hop domain. */
  names: string[];
  /** 'Verified' when the MX records were DNSSEC-secure too, 'Trusted' when only the host was (Postfix). */
  trust: 'Verified' | 'Trusted';
  /** The TLSA base domain, sent as SNI (RFC 7672 §8.1): the MX host, or its secure CNAME expansion. */
  baseDomain?: string;
}

/** The DANE outcome of a connection, recorded in TlsInfo. */
export interface DaneTlsInfo {
  level: 'dane' | 'encrypt';
  trust: 'Verified' | 'Trusted';
  /** The TLSA record that matched ('3 1 1 <hex>'). */
  record?: string;
  /** Why no record matched. */
  error?: string;
  /** RFC 8460 §4.4 result type of the failure (for the log, and a later TLSRPT). */
  resultType?: string;
}

/** Where to connect. */
export interface ConnectTarget {
  /** IPv4 or IPv6 address to connect to (no brackets). */
  ip: string;
  /** TCP port (25 unless --port says otherwise). */
  port: number;
  /** MX host name this address came from ('' for IP-literal destinations). */
  mxHost: string;
  /** Source address (virtual gateway), when given. */
  localAddress?: string;
}

/** Time limits, each for one wait; a wait that runs out ends the connection. */
export interface Timeouts {
  /** TCP connection establishment. */
  connectMs: number;
  /** From connect until the complete greeting. */
  greetingMs: number;
  /** Each reply to EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, RSET (QUIT waits at most 10 s of it). */
  commandMs: number;
  /** From the DATA 354 until the reply to the final dot. */
  dataMs: number;
  /** The TLS handshake after the 220 to STARTTLS. */
  tlsMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 30_000,
  greetingMs: 60_000,
  commandMs: 60_000,
  dataMs: 300_000,
  tlsMs: 30_000,
};

/** Certificate facts recorded for the report and tlsverify. */
export interface PeerCertificateInfo {
  /** Subject distinguished name, e.g. 'CN=mx.example.com, O=Example'. */
  subject: string;
  /** Issuer distinguished name, same form. */
  issuer: string;
  /** subjectAltName entries as Node renders them: `DNS:mx.example.com`, `IP Address:192.0.2.1`. */
  subjectAltNames: string[];
  /** The subject CN (the first, when the certificate has several). */
  commonName?: string;
  /** Start of the validity period, as OpenSSL prints it ('Nov 27 18:00:48 2026 GMT'). */
  validFrom: string;
  /** End of the validity period, same form. */
  validTo: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
}

/** TLS outcome of one connection. */
export interface TlsInfo {
  /** The TLS mode that governed this connection. */
  mode: TlsMode;
  /** Did the server advertise STARTTLS in its EHLO reply? */
  offered: boolean;
  /** Did we send STARTTLS? */
  attempted: boolean;
  /** Is the session encrypted now? */
  negotiated: boolean;
  /** Negotiated protocol, e.g. 'TLSv1.3' (when negotiated). */
  protocol?: string;
  /** Negotiated cipher (OpenSSL name), e.g. 'TLS_AES_256_GCM_SHA384'. */
  cipher?: string;
  /** True when the TLS session was resumed from the session cache (abbreviated handshake). */
  resumed?: boolean;
  /** Chain to a trusted anchor, within validity, and identity match. Undefined when no TLS. */
  verified?: boolean;
  /** Why verification failed (e.g. 'certificate has expired', 'hostname mismatch'). */
  verifyError?: string;
  /** The presented identity that matched a reference identity. */
  matchedIdentity?: string;
  /** The server certificate's facts (also for a resumed session: those of its original handshake). */
  peerCertificate?: PeerCertificateInfo;
  /** Why TLS could not be used (not offered, STARTTLS refused with reply, handshake error). */
  failure?: string;
  /** Set when DANE governed the connection (TlsPolicy.dane). */
  dane?: DaneTlsInfo;
}

/** One message to carry: envelope plus raw RFC 5322 content (any line endings; the session normalises). */
export interface OutboundMessage {
  /** Message id used in the mail log (MID). */
  mid: number;
  /** Envelope sender ('' for the null sender <>), already BATV-tagged when the row says so. */
  from: string;
  /** Recipients with their RIDs (index within the message), all of one destination. */
  recipients: { rid: number; address: string }[];
  /** The message as stored (headers and body); CRLF normalisation and dot-stuffing happen on the wire. */
  content: Buffer;
}

/** delivered: 2xx after the final dot; bounced: a 5xx (or a permanent local refusal); deferred: anything else. */
export type RecipientStatus = 'delivered' | 'deferred' | 'bounced';

export interface RecipientResult {
  /** The recipient's RID, as given in OutboundMessage.recipients. */
  rid: number;
  /** The recipient address, as given. */
  address: string;
  status: RecipientStatus;
  /**
   * The reply that decided it: the MAIL FROM reply when MAIL was refused, the RCPT reply for a refused
   * recipient, the DATA reply when DATA was refused, the reply after the final dot otherwise, or the 421
   * with which the server closed the connection.
   */
  reply?: SmtpReply;
  /**
   * Set when no server reply decided the outcome (connection lost, timeout, message over the server's
   * SIZE, invalid address), or to qualify the reply (a 421 closing the connection).
   */
  reason?: string;
}

export interface MessageResult {
  /** The message's MID, as given. */
  mid: number;
  /** One entry per recipient of the message, in the given order. */
  recipients: RecipientResult[];
  /** The reply to MAIL FROM, when reached. */
  mailReply?: SmtpReply;
  /** The reply to DATA (354 when the data phase began), when reached. */
  dataReply?: SmtpReply;
  /** The reply to the final dot, when reached: the only reply that can make a recipient delivered. */
  finalReply?: SmtpReply;
  /**
   * True when the envelope of the `next` message given to send() went out behind this message's data
   * (PIPELINING): its transaction is open, and the next send() on this connection must be that message.
   */
  nextStarted?: boolean;
}

/** A connection that failed before it could carry any message. */
export interface ConnectFailure {
  ok: false;
  /**
   * Which step failed: 'connect' (refused/unreachable), 'timeout' (connect or a reply took longer than its Timeouts entry),
   * 'greeting' (non-220 greeting, or closed before it), 'ehlo' (EHLO and HELO refused, or a 421 in reply to STARTTLS), 'tls' (the mode's
   * TLS demand not met: not offered or refused under Required, handshake failure after the 220 in any
   * mode, TLS handshake timeout, certificate not verified under Required - Verify), 'protocol' (violation:
   * bytes injected after the 220 to STARTTLS, malformed or oversized replies, odd reply to STARTTLS),
   * 'session' (never from a Connector: the delivery orchestrator's account of a connection that was set up
   * and then lost before any reply to MAIL FROM on it, or whose MAIL FROM was answered with 421).
   */
  stage: 'connect' | 'timeout' | 'greeting' | 'ehlo' | 'tls' | 'protocol' | 'session';
  /** One line for the operator, e.g. 'TLS is required, but was not offered by host mx.example.com'. */
  reason: string;
  /** The server reply that ended it (greeting, EHLO/HELO, STARTTLS), when one did. */
  reply?: SmtpReply;
  /** TLS as far as it got (offered, attempted, negotiated, verification recorded). */
  tls?: TlsInfo;
  /** A 5xx greeting is permanent for this host only; the caller still tries the next one. */
}

/** A connection ready for mail transactions. */
export interface OpenConnection {
  ok: true;
  connection: DeliveryConnection;
}

/** One live SMTP connection after EHLO (and STARTTLS + second EHLO when used). */
export interface DeliveryConnection {
  /** Where this connection goes, as given to connect(). */
  readonly target: ConnectTarget;
  /** TLS outcome of the connection (negotiated or not, verification recorded in every mode). */
  readonly tls: TlsInfo;
  /** ESMTP capabilities of the last EHLO reply (upper-case keywords, e.g. 'PIPELINING', 'SIZE'). */
  readonly capabilities: ReadonlyMap<string, string>;
  /** Local IP address of the socket (mail-log "interface"). */
  readonly localAddress: string;
  /** Local port of the socket. */
  readonly localPort?: number;
  /** Messages carried so far on this connection. */
  readonly messagesSent: number;
  /** False once the connection is closed or unusable, and while a send() is in progress. */
  readonly usable: boolean;
  /**
   * Sends one message (RSET first when it is not the first on this connection, unless its envelope
   * already went out behind the previous message's data). `next`, when given, is the message the caller
   * will send next on this connection: with PIPELINING its MAIL/RCPT/DATA may be written together with
   * this message's data (result.nextStarted). `last`: the caller closes the connection after this message;
   * with PIPELINING and no `next`, QUIT may then follow the final dot in the same write (close() reads its
   * reply). Never throws for SMTP replies.
   */
  send(message: OutboundMessage, next?: OutboundMessage, last?: boolean): Promise<MessageResult>;
  /** QUIT and close (no QUIT after a 421 or on a failed connection; a send() in progress is aborted). */
  close(): Promise<void>;
  /** Abort at once (no QUIT): used on shutdown before the final dot. */
  destroy(): void;
}

export interface ConnectOptions {
  /** Address, port, MX host name and source address. */
  target: ConnectTarget;
  /** TLS mode and what verification needs (reference ids, SNI, trust anchors, client certificate). */
  policy: TlsPolicy;
  /** The name sent in EHLO/HELO (--helo). */
  helo: string;
  /** Time limits for each wait. */
  timeouts: Timeouts;
  /** Connection id for logs (DCID). */
  dcid: number;
  /** Receives protocol events as they happen (for the mail log and tlsverify's step output). */
  onEvent?: (event: ConnectionEvent) => void;
  /** Aborts the set-up (the run interrupted by SIGTERM/SIGINT): the connection is dropped at once, no transaction having started. */
  signal?: AbortSignal;
}

/**
 * Protocol events, in order: connected, greeting, ehlo, then (when STARTTLS is sent) starttls and
 * tls-success or tls-failed, then ehlo again over TLS; closed once when the connection ends for any
 * reason. tls-failed is also emitted when a Required mode finds STARTTLS not offered or refused.
 */
export type ConnectionEvent =
  | { type: 'connected'; dcid: number; localAddress: string; ip: string; port: number }
  | { type: 'greeting'; dcid: number; reply: SmtpReply }
  | { type: 'ehlo'; dcid: number; capabilities: string[]; secure: boolean }
  | { type: 'starttls'; dcid: number; reply: SmtpReply }
  | { type: 'tls-success'; dcid: number; tls: TlsInfo }
  | { type: 'tls-failed'; dcid: number; tls: TlsInfo; reason: string }
  | { type: 'closed'; dcid: number };

export type Connector = (options: ConnectOptions) => Promise<OpenConnection | ConnectFailure>;

/**
 * `destconfig deliver --json` report: the documented, stable shape (docs/delivery.md). One entry per
 * recipient of every message, in input order.
 */
export interface DeliveryReport {
  recipients: RecipientReport[];
  summary: { delivered: number; deferred: number; bounced: number };
}

export interface RecipientReport {
  /** Message file ('-' for stdin) and message id used in the mail log. */
  message: string;
  mid: number;
  address: string;
  status: RecipientStatus;
  /** Governing table row: the entry key, or '(Default)'. */
  row: string;
  /** The MX host and IP of the last attempt (null when none was reached, e.g. NXDOMAIN). */
  mxHost: string | null;
  ip: string | null;
  attempts: number;
  /** The last SMTP reply that concerned this recipient, or null. */
  reply: SmtpReply | null;
  /** Human-readable reason when no reply decided it, or to qualify it. */
  reason: string | null;
  tls: {
    mode: TlsMode;
    negotiated: boolean;
    protocol: string | null;
    cipher: string | null;
    verified: boolean | null;
    verifyError: string | null;
    matchedIdentity: string | null;
    /** Present when DANE governed the connection: 'Verified DANE-EE(3) 3 1 1 ...', 'encrypt (TLSA unusable)', or the failure. */
    dane?: string;
  };
}
