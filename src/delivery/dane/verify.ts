// DANE verification of an established TLS session (RFC 7672 §3): the chain the server sent, leaf first,
// matched against the usable TLSA records. Node's own chain result is not consulted: DANE replaces WebPKI
// for the host. Done right after the handshake, before the second EHLO; a failure abandons the connection.
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { DaneConnectPolicy, DaneTlsInfo, TlsInfo } from '../types.js';
import { describeCertificate } from '../verification.js';
import { daneMatch, formatTlsa, usageName } from './tlsa.js';

/** The chain as the server sent it, leaf first (Node links it through issuerCertificate, ending on itself). */
export function peerChain(socket: TLSSocket): { chain: X509Certificate[]; leaf?: DetailedPeerCertificate } {
  const leaf = socket.getPeerCertificate(true);
  const chain: X509Certificate[] = [];
  if (!leaf || !leaf.raw) return { chain };
  let cert: DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return { chain, leaf };
}

/**
 * The verification fields of TlsInfo for a DANE connection. `verified` is the TLSA match; for level
 * 'encrypt' nothing is checked (the caller keeps the row's own verification).
 */
export function verifyDane(socket: TLSSocket, policy: DaneConnectPolicy, now: number = Date.now()): Pick<TlsInfo, 'verified' | 'verifyError' | 'matchedIdentity' | 'peerCertificate' | 'dane'> {
  const { chain, leaf } = peerChain(socket);
  const result = daneMatch(chain, policy.tlsa, policy.names, now);
  const info: Pick<TlsInfo, 'verified' | 'verifyError' | 'matchedIdentity' | 'peerCertificate' | 'dane'> = { verified: result.ok };
  if (leaf) info.peerCertificate = describeCertificate(leaf);
  const dane: DaneTlsInfo = { level: 'dane', trust: policy.trust };
  if (result.ok) {
    dane.record = formatTlsa(result.record);
    // DANE-EE checks no name: what matched is the key (or certificate) the TLSA record names.
    info.matchedIdentity = result.matchedName ?? `${usageName(result.usage)}(${result.usage})`;
  } else {
    dane.error = result.reason;
    dane.resultType = result.resultType;
    info.verifyError = `DANE: ${result.reason}`;
  }
  info.dane = dane;
  return info;
}
