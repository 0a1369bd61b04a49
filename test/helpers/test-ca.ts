// A certificate authority generated per test run (node-forge for the certificates, node:crypto for
// the RSA keys, which is much faster than forge's JavaScript key generation), and the server and
// client certificates the TLS tests need. Nothing is written to disk; everything is PEM in memory.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  keyPem: string;
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.PrivateKey;
}

export interface IssuedCert {
  cert: string;
  key: string;
}

export interface TestPki {
  /** PEM of the trusted test CA (pass as extraCa). */
  caCert: string;
  /** PEM of a second CA that nobody trusts. */
  rogueCaCert: string;
  /** SAN mx.example.test + CN mx.example.test, issued by the CA. */
  valid: IssuedCert;
  /** As valid, but expired yesterday. */
  expired: IssuedCert;
  /** As valid, but valid only from tomorrow. */
  notYetValid: IssuedCert;
  /** Self-signed, SAN/CN mx.example.test. */
  selfSigned: IssuedCert;
  /** Issued by the untrusted CA. */
  untrusted: IssuedCert;
  /** SAN/CN other.example.net: matches neither the domain nor the MX host. */
  wrongName: IssuedCert;
  /** CN mx.example.test, no subjectAltName. */
  cnOnly: IssuedCert;
  /** SAN other.example.net, CN mx.example.test. */
  sanMismatchingCn: IssuedCert;
  /** SAN *.example.test. */
  wildcard: IssuedCert;
  /** SAN example.test (the recipient domain), CN example.test. */
  domainName: IssuedCert;
  /** Client certificate (CN client.sender.test, clientAuth), issued by the CA. */
  client: IssuedCert;
}

export function keyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return {
    keyPem: privateKey,
    privateKey: forgeKey,
    publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e),
  };
}

let serial = 1;
const DAY = 86_400_000;

export interface CertSpec {
  cn?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  clientAuth?: boolean;
}

/** Issues a certificate for `subjectKey`, signed by `issuer` (self-signed when issuer is omitted). */
export function issue(
  spec: CertSpec,
  subjectKey: KeyPair,
  issuer?: { cert: forge.pki.Certificate; key: KeyPair },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey.publicKey;
  cert.serialNumber = (0x10000000 + serial++).toString(16); // DER INTEGER: no leading zero byte, high bit clear
  cert.validity.notBefore = spec.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = spec.notAfter ?? new Date(Date.now() + 30 * DAY);
  const subject = spec.cn ? [{ name: 'commonName', value: spec.cn }] : [{ name: 'organizationName', value: 'destconfig tests' }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  const extensions: object[] = [];
  if (spec.isCa) {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true });
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false });
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: !spec.clientAuth, clientAuth: true });
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  extensions.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(extensions);
  cert.sign((issuer?.key ?? subjectKey).privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

const pem = (cert: forge.pki.Certificate): string => forge.pki.certificateToPem(cert);

let cached: TestPki | null = null;

/** The run's PKI (generated once per test process). */
export function testPki(): TestPki {
  if (cached) return cached;
  const caKey = keyPair();
  const rogueKey = keyPair();
  const leafKey = keyPair();
  const ca = { cert: issue({ cn: 'destconfig Test Root CA', isCa: true, notAfter: new Date(Date.now() + 365 * DAY) }, caKey), key: caKey };
  const rogue = { cert: issue({ cn: 'Rogue Test CA', isCa: true }, rogueKey), key: rogueKey };
  const leaf = (spec: CertSpec, by: typeof ca | null = ca): IssuedCert => ({
    cert: pem(issue(spec, leafKey, by ?? undefined)),
    key: leafKey.keyPem,
  });
  const mx = { cn: 'mx.example.test', dnsNames: ['mx.example.test'] };
  cached = {
    caCert: pem(ca.cert),
    rogueCaCert: pem(rogue.cert),
    valid: leaf(mx),
    expired: leaf({ ...mx, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) }),
    notYetValid: leaf({ ...mx, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) }),
    selfSigned: leaf(mx, null),
    untrusted: leaf(mx, rogue),
    wrongName: leaf({ cn: 'other.example.net', dnsNames: ['other.example.net'] }),
    cnOnly: leaf({ cn: 'mx.example.test' }),
    sanMismatchingCn: leaf({ cn: 'mx.example.test', dnsNames: ['other.example.net'] }),
    wildcard: leaf({ cn: 'wildcard', dnsNames: ['*.example.test'] }),
    domainName: leaf({ cn: 'example.test', dnsNames: ['example.test'] }),
    client: leaf({ cn: 'client.sender.test', clientAuth: true }),
  };
  return cached;
}
