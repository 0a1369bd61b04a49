// In-process SMTP peers built on smtp-server: STARTTLS offered, required (MAIL refused in the clear)
// or disabled, with a chosen certificate. Each peer records what it received (envelopes, raw message
// data, whether the session was encrypted, the SNI name, the client certificate) and the most
// simultaneous connections it ever saw, so tests assert at the server side.
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { IssuedCert } from './test-ca.js';

export interface ReceivedMessage {
  from: string;
  to: string[];
  data: Buffer;
  secure: boolean;
  servername?: string;
  clientCertCn?: string;
  sessionId: string;
}

export interface MailFromSeen {
  address: string;
  secure: boolean;
  sessionId: string;
}

export interface SmtpPeerOptions {
  /** offered: STARTTLS advertised; required: MAIL FROM refused (530) in the clear; disabled: no STARTTLS at all. */
  starttls: 'offered' | 'required' | 'disabled';
  cert?: IssuedCert;
  /** SIZE announced in EHLO. */
  size?: number;
  hidePipelining?: boolean;
  /** Ask for a client certificate (recorded, not required to verify). */
  requestClientCert?: boolean;
  /** Reply code for a recipient (default 250); 5xx/4xx refuse it. */
  rcptReply?: (address: string) => number;
  /** Reply code after the final dot (default 250). */
  dataReply?: (message: ReceivedMessage) => number;
}

export interface SmtpPeer {
  port: number;
  messages: ReceivedMessage[];
  mailFroms: MailFromSeen[];
  /** Connections opened so far. */
  connections: number;
  /** The most simultaneous connections ever open. */
  maxConcurrent: number;
  close(): Promise<void>;
}

function codeError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSmtpPeer(options: SmtpPeerOptions): Promise<SmtpPeer> {
  let open = 0;
  const peer: SmtpPeer = {
    port: 0,
    messages: [],
    mailFroms: [],
    connections: 0,
    maxConcurrent: 0,
    close: async () => undefined,
  };
  const clientCns = new Map<string, string>();
  const serverOptions: SMTPServerOptions = {
    secure: false,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    hidePIPELINING: options.hidePipelining ?? false,
    size: options.size,
    disabledCommands: options.starttls === 'disabled' ? ['STARTTLS', 'AUTH'] : ['AUTH'],
    onConnect(_session, callback) {
      peer.connections++;
      open++;
      peer.maxConcurrent = Math.max(peer.maxConcurrent, open);
      callback();
    },
    onClose() {
      open--;
    },
    onSecure(socket, session, callback) {
      const cert = (socket as unknown as TLSSocket).getPeerCertificate?.();
      const cn = cert?.subject?.CN;
      if (cn) clientCns.set(session.id, Array.isArray(cn) ? String(cn[0]) : String(cn));
      callback();
    },
    onMailFrom(address, session, callback) {
      peer.mailFroms.push({ address: address.address, secure: session.secure, sessionId: session.id });
      if (options.starttls === 'required' && !session.secure) {
        callback(codeError(530, 'Must issue a STARTTLS command first'));
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      const code = options.rcptReply?.(address.address) ?? 250;
      if (code >= 400) callback(codeError(code, `recipient ${address.address} refused`));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks),
          secure: session.secure,
          sessionId: session.id,
        };
        if (session.servername) message.servername = session.servername;
        const cn = clientCns.get(session.id);
        if (cn) message.clientCertCn = cn;
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(codeError(552, 'message exceeds fixed maximum message size'));
          return;
        }
        peer.messages.push(message);
        const code = options.dataReply?.(message) ?? 250;
        if (code >= 400) callback(codeError(code, 'message refused'));
        else callback(null, 'queued');
      });
    },
  };
  if (options.cert) {
    serverOptions.key = options.cert.key;
    serverOptions.cert = options.cert.cert;
  }
  if (options.requestClientCert) {
    (serverOptions as Record<string, unknown>).requestCert = true;
    (serverOptions as Record<string, unknown>).rejectUnauthorized = false;
  }
  const server = new SMTPServer(serverOptions);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.server.address() as AddressInfo).port;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}
