// Evaluates the server certificate of an established TLS session: chain to a trusted anchor (Node's
// roots plus --ca-file) and validity period, as OpenSSL reported them, then the identity match under
// the mode's profile (identity.ts). Done for every mode so the result is always recorded; only the
// Required - Verify modes let it decide anything (session.ts).
import type tls from 'node:tls';
import { matchIdentity } from './identity.js';
import { identityProfile } from './tls-policy.js';
import type { PeerCertificateInfo, TlsPolicy } from './types.js';

export interface VerificationResult {
  verified: boolean;
  verifyError?: string;
  matchedIdentity?: string;
  peerCertificate?: PeerCertificateInfo;
}

/** OpenSSL verify codes in the words an operator reads in the report and the mail log. */
const CHAIN_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate chain (untrusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate (untrusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate (untrusted issuer)',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_PURPOSE: 'certificate not valid for TLS server use',
};

export function describeChainError(code: string): string {
  return CHAIN_ERRORS[code] ?? code.toLowerCase().replace(/_/g, ' ');
}

function rdnString(name: object | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => (Array.isArray(value) ? value.map((v) => `${key}=${String(v)}`).join(', ') : `${key}=${String(value)}`))
    .join(', ');
}

/** The certificate facts recorded for the report and tlsverify. */
export function describeCertificate(cert: tls.PeerCertificate): PeerCertificateInfo {
  const cn = cert.subject?.CN as string | string[] | undefined;
  const info: PeerCertificateInfo = {
    subject: rdnString(cert.subject),
    issuer: rdnString(cert.issuer),
    subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(', ') : [],
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    fingerprint256: cert.fingerprint256,
  };
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  if (commonName !== undefined) info.commonName = commonName;
  return info;
}

/**
 * What a full handshake learned about the peer, kept beside the TLS session in the session cache: a
 * resumed session proves the server holds that session's secret, but Node cannot show its
 * certificate again (the chain is not part of the session), so verification reuses this snapshot.
 */
export interface PeerSnapshot {
  cert: tls.PeerCertificate;
  authorized: boolean;
  authorizationError?: string;
}

/**
 * The peer facts of an established session, or undefined when the handshake showed no certificate.
 * `known`: the certificate already read from this socket, if any (a TLSSocket builds a new object,
 * with every fingerprint, on each getPeerCertificate call).
 */
export function snapshotPeer(socket: tls.TLSSocket, known?: tls.PeerCertificate): PeerSnapshot | undefined {
  const cert = known ?? socket.getPeerCertificate(false);
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const snapshot: PeerSnapshot = { cert, authorized: socket.authorized };
  if (socket.authorizationError) snapshot.authorizationError = String(socket.authorizationError);
  return snapshot;
}

/**
 * Chain, validity and identity of the peer certificate under the policy's mode. For a resumed session
 * the snapshot from the original handshake stands in, and its validity period is checked again against
 * `now` (OpenSSL does not re-check it on resumption).
 */
export function verifyPeer(peer: PeerSnapshot | undefined, policy: TlsPolicy, now: number = Date.now()): VerificationResult {
  if (!peer) return { verified: false, verifyError: 'no certificate presented' };
  const { cert } = peer;
  const peerCertificate = describeCertificate(cert);
  const match = matchIdentity(cert, policy.referenceIds, identityProfile(policy.mode));
  const result: VerificationResult = { verified: false, peerCertificate };
  if (match) result.matchedIdentity = match.presented;
  let chainError = peer.authorized ? null : (peer.authorizationError ?? 'CERT_UNTRUSTED');
  if (!chainError && Date.parse(cert.valid_to) < now) chainError = 'CERT_HAS_EXPIRED';
  if (chainError) result.verifyError = describeChainError(chainError);
  else if (!match) result.verifyError = 'hostname mismatch';
  else result.verified = true;
  return result;
}
