// TLS requirements of a mode, as named predicates (ARCHITECTURE.md decision 5; reference §7.2).
// The connection layer asks these questions instead of comparing mode names, so the six ESA settings
// read as what they demand: whether to try STARTTLS, whether TLS is mandatory, whether the certificate
// must verify, and which identity profile decides a name match.
import type { TlsMode } from '../table/types.js';
import type { TlsPolicy } from './types.js';

/** Identity profiles of reference §7.3: `verify` = SAN DNS names and CN; `hosted` = RFC 6125 (CN only without DNS SAN). */
export type IdentityProfile = 'verify' | 'hosted';

/** Do we send STARTTLS when the server offers it? Every mode but No. */
export function attemptsStartTls(mode: TlsMode): boolean {
  return mode !== 'no';
}

/** Must the connection be encrypted before any mail transaction (no MAIL FROM in the clear)? */
export function mustEncrypt(mode: TlsMode): boolean {
  return mode === 'required' || mode === 'required_verify' || mode === 'required_verify_hosted';
}

/** Must the certificate verify (chain, validity, identity) for the connection to be used? */
export function mustVerify(mode: TlsMode): boolean {
  return mode === 'required_verify' || mode === 'required_verify_hosted';
}

/**
 * The profile used to record (or demand) an identity match. Only Required - Verify Hosted Domains uses
 * the Hosted profile; every other mode records the result under the Verify profile, which is also what
 * the appliance's `tlsverify` uses (Cisco doc 200537).
 */
export function identityProfile(mode: TlsMode): IdentityProfile {
  return mode === 'required_verify_hosted' ? 'hosted' : 'verify';
}

/** STARTTLS is sent when offered: by the mode, or because DANE applies to the host (docs/dane.md). */
export function triesStartTls(policy: TlsPolicy): boolean {
  return attemptsStartTls(policy.mode) || policy.dane !== undefined;
}

/** No MAIL FROM in the clear: by the mode, or because the host has secure TLSA records (RFC 7672 §2.2). */
export function requiresTls(policy: TlsPolicy): boolean {
  return mustEncrypt(policy.mode) || policy.dane !== undefined;
}
