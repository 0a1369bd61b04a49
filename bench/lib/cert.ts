// A self-signed certificate made per run for the loopback sinks (the bench and load tests trust it with
// --ca-file / tls.ca, so nothing is verified against a fixed key checked into the repository).
import forge from 'node-forge';

export interface KeyAndCert {
  key: string;
  cert: string;
}

export function selfSignedCert(names: string[], ips: string[] = ['127.0.0.1']): KeyAndCert {
  // forge uses node:crypto's native key generation when it is available, so this takes milliseconds.
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 2 * 24 * 60 * 60 * 1000);
  const subject = [{ name: 'commonName', value: names[0] ?? 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...names.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}
