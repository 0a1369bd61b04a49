// How a transport failed (transport.ts): the classification the session maps onto ConnectFailure stages.
import type { SmtpReply } from './types.js';

/** Why the transport failed: the classification the session maps onto ConnectFailure stages. */
export type TransportErrorKind = 'connect' | 'timeout' | 'closed' | 'protocol' | 'tls';

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    /** The reply that ended the connection (a 421), when one did. */
    readonly reply?: SmtpReply,
  ) {
    super(message);
  }
}
