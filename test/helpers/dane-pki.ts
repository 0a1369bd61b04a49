// Certificates for the DANE tests, made once per test process: a CA, an intermediate under it, leaves for
// the rig's cases (reference §3.2: names, next-hop only, wrong names, expired) and an unrelated key, with
// their TLSA association data computed the way the client does (and OpenSSL does, reference §1.3).
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { associationData } from '../../src/delivery/dane/tlsa.js';
import { issue, keyPair, type IssuedCert, type KeyPair } from './test-ca.js';

const DAY = 86_400_000;
const pem = (cert: forge.pki.Certificate): string => forge.pki.certificateToPem(cert);

export interface DanePki {
  caCert: string;
  intermediateCert: string;
  /** Leaf for mx.<case>.dane.test names (`*.dane.test` style is not used: exact names), chain leaf + CA. */
  leaf: (names: string[], opts?: { expired?: boolean; viaIntermediate?: boolean }) => IssuedCert;
  /** A self-signed certificate of an unrelated key (for "no match"). */
  other: IssuedCert;
  /** TLSA data of a PEM certificate (the first in the PEM). */
  data: (certPem: string, selector: number, matchingType: number) => Buffer;
}

let cached: DanePki | null = null;

export function danePki(): DanePki {
  if (cached) return cached;
  const caKey = keyPair();
  const midKey = keyPair();
  const leafKey: KeyPair = keyPair();
  const ca = { cert: issue({ cn: 'DANE Test CA', isCa: true, notAfter: new Date(Date.now() + 365 * DAY) }, caKey), key: caKey };
  const mid = { cert: issue({ cn: 'DANE Test Intermediate', isCa: true }, midKey, ca), key: midKey };
  const otherKey = keyPair();
  cached = {
    caCert: pem(ca.cert),
    intermediateCert: pem(mid.cert),
    leaf: (names, opts = {}) => {
      const spec = {
        cn: names[0] ?? 'unnamed.invalid',
        dnsNames: names,
        ...(opts.expired ? { notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - 30 * DAY) } : {}),
      };
      const by = opts.viaIntermediate ? mid : ca;
      const chain = opts.viaIntermediate ? [pem(issue(spec, leafKey, by)), pem(mid.cert), pem(ca.cert)] : [pem(issue(spec, leafKey, by)), pem(ca.cert)];
      return { cert: chain.join(''), key: leafKey.keyPem };
    },
    other: { cert: pem(issue({ cn: 'other.invalid', dnsNames: ['other.invalid'] }, otherKey)), key: otherKey.keyPem },
    data: (certPem, selector, matchingType) => associationData(new X509Certificate(certPem), selector, matchingType),
  };
  return cached;
}

/** The certificates of a PEM chain as X509Certificate objects, leaf first. */
export function chainOf(pemChain: string): X509Certificate[] {
  return (pemChain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}
