// Certificate verification over real TLS sessions (smtp-server peers with the per-run test CA):
// identity profiles on CN-only, SAN-plus-mismatching-CN, wildcard and domain certificates, chain and
// validity failures, SNI, the client certificate, and TLS session resumption.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/delivery/session.js';
import { TlsSessionCache } from '../../src/delivery/tls-context.js';
import { DEFAULT_TIMEOUTS, type ConnectFailure, type OpenConnection, type TlsPolicy } from '../../src/delivery/types.js';
import type { TlsMode } from '../../src/table/types.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { testPki, type IssuedCert, type TestPki } from '../helpers/test-ca.js';

const TIMEOUTS = { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 };
const MESSAGE = {
  mid: 1,
  from: 'alice@sender.test',
  recipients: [{ rid: 0, address: 'bob@example.test' }],
  content: Buffer.from('Subject: verify\r\n\r\nhi\r\n'),
};

type CertName = 'cnOnly' | 'sanMismatchingCn' | 'wildcard' | 'domainName' | 'untrusted' | 'notYetValid' | 'valid';

function policy(mode: TlsMode, overrides: Partial<TlsPolicy> = {}): TlsPolicy {
  return {
    mode,
    referenceIds: ['example.test', 'mx.example.test'],
    servername: 'mx.example.test',
    extraCa: [testPki().caCert],
    ...overrides,
  };
}

describe('verification over real TLS', () => {
  const peers = new Map<CertName, SmtpPeer>();
  const certNames: CertName[] = ['cnOnly', 'sanMismatchingCn', 'wildcard', 'domainName', 'untrusted', 'notYetValid', 'valid'];
  beforeAll(async () => {
    const pki = testPki();
    for (const name of certNames) {
      peers.set(name, await startSmtpPeer({ starttls: 'offered', cert: pki[name as keyof TestPki] as IssuedCert, requestClientCert: name === 'valid' }));
    }
  });
  afterAll(async () => {
    await Promise.all([...peers.values()].map((p) => p.close()));
  });

  async function attempt(cert: CertName, mode: TlsMode, overrides: Partial<TlsPolicy> = {}, cache = new TlsSessionCache()) {
    const peer = peers.get(cert) as SmtpPeer;
    const result = await createConnector({ sessionCache: cache })({
      target: { ip: '127.0.0.1', port: peer.port, mxHost: overrides.servername ?? 'mx.example.test' },
      policy: policy(mode, overrides),
      helo: 'client.sender.test',
      timeouts: TIMEOUTS,
      dcid: 1,
    });
    if (result.ok) {
      const sent = await result.connection.send(MESSAGE);
      expect(sent.recipients[0]?.status).toBe('delivered');
      await result.connection.close();
    }
    return { result, peer };
  }

  // [certificate, mode, verified?, matched identity or failure reason]
  it.each([
    ['cnOnly', 'required_verify', true, 'mx.example.test'],
    ['cnOnly', 'required_verify_hosted', true, 'mx.example.test'],
    ['sanMismatchingCn', 'required_verify', true, 'mx.example.test'],
    ['sanMismatchingCn', 'required_verify_hosted', false, 'certificate verification failed: hostname mismatch'],
    ['wildcard', 'required_verify', true, '*.example.test'],
    ['wildcard', 'required_verify_hosted', true, '*.example.test'],
    ['domainName', 'required_verify', true, 'example.test'],
    ['domainName', 'required_verify_hosted', true, 'example.test'],
    ['untrusted', 'required_verify', false, 'certificate verification failed: unable to verify the certificate chain (untrusted issuer)'],
    ['notYetValid', 'required_verify_hosted', false, 'certificate verification failed: certificate is not yet valid'],
  ] as const)('%s under %s', async (cert, mode, verified, detail) => {
    const mailFromsBefore = (peers.get(cert) as SmtpPeer).mailFroms.length;
    const { result, peer } = await attempt(cert, mode);
    if (verified) {
      expect(result.ok).toBe(true);
      const tls = (result as OpenConnection).connection.tls;
      expect(tls.verified).toBe(true);
      expect(tls.matchedIdentity).toBe(detail);
      expect(peer.messages.at(-1)?.secure).toBe(true);
    } else {
      expect(result.ok).toBe(false);
      const failure = result as ConnectFailure;
      expect(failure.stage).toBe('tls');
      expect(failure.reason).toBe(detail);
      expect(failure.tls?.verified).toBe(false);
      expect(peer.mailFroms.length).toBe(mailFromsBefore);
    }
  });

  it('records, but does not act on, a failed verification under Preferred - Verify', async () => {
    const { result, peer } = await attempt('sanMismatchingCn', 'preferred_verify');
    expect(result.ok).toBe(true);
    const tls = (result as OpenConnection).connection.tls;
    // Preferred - Verify records under the Verify profile (CN consulted), so this one verifies...
    expect(tls.verified).toBe(true);
    const untrusted = await attempt('untrusted', 'preferred_verify');
    expect(untrusted.result.ok).toBe(true);
    const untrustedTls = (untrusted.result as OpenConnection).connection.tls;
    expect(untrustedTls).toMatchObject({ negotiated: true, verified: false, verifyError: 'unable to verify the certificate chain (untrusted issuer)' });
    expect(untrusted.peer.messages.at(-1)?.secure).toBe(true);
    expect(peer.messages.at(-1)?.secure).toBe(true);
  });

  it('trusts only Node roots plus extraCa: the test CA is unknown without --ca-file', async () => {
    const { result } = await attempt('valid', 'required_verify', { extraCa: [] });
    expect(result.ok).toBe(false);
    expect((result as ConnectFailure).reason).toContain('untrusted issuer');
  });

  it('sends the MX host name as SNI, and none for an IP-literal destination', async () => {
    const named = await attempt('valid', 'required');
    expect(named.peer.messages.at(-1)?.servername).toBe('mx.example.test');
    const literal = await attempt('valid', 'required', { servername: '', referenceIds: ['[127.0.0.1]'] });
    expect(literal.result.ok).toBe(true);
    expect(literal.peer.messages.at(-1)?.servername).toBeUndefined();
  });

  it('presents the client certificate when the server asks for one', async () => {
    const pki = testPki();
    const withCert = await attempt('valid', 'required_verify', { clientCert: { cert: pki.client.cert, key: pki.client.key } });
    expect(withCert.result.ok).toBe(true);
    expect(withCert.peer.messages.at(-1)?.clientCertCn).toBe('client.sender.test');
    const without = await attempt('valid', 'required_verify');
    expect(without.peer.messages.at(-1)?.clientCertCn).toBeUndefined();
  });

  it('resumes the TLS session on the next connection to the same MX, and still verifies', async () => {
    const cache = new TlsSessionCache();
    const first = await attempt('valid', 'required_verify', {}, cache);
    expect((first.result as OpenConnection).connection.tls.resumed).toBe(false);
    expect(cache.size).toBe(1);
    const second = await attempt('valid', 'required_verify', {}, cache);
    const tls = (second.result as OpenConnection).connection.tls;
    expect(tls).toMatchObject({ resumed: true, verified: true, matchedIdentity: 'mx.example.test' });
    // The certificate facts the full handshake recorded stand for the resumed session.
    const firstCert = (first.result as OpenConnection).connection.tls.peerCertificate;
    expect(firstCert?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(firstCert?.subject).toContain('CN=mx.example.test');
    expect(tls.peerCertificate).toEqual(firstCert);
    // A resumed session carries its certificate: a name that does not match still fails.
    const mismatch = await attempt('valid', 'required_verify', { referenceIds: ['elsewhere.test'] }, cache);
    expect(mismatch.result.ok).toBe(false);
    expect((mismatch.result as ConnectFailure).reason).toBe('certificate verification failed: hostname mismatch');
  });

  it('lets a connection opened together with another to the same MX wait for its session and resume it', async () => {
    const cache = new TlsSessionCache();
    const both = await Promise.all([attempt('valid', 'required_verify', {}, cache), attempt('valid', 'required_verify', {}, cache)]);
    const tls = both.map(({ result }) => (result as OpenConnection).connection.tls);
    expect(tls.map((t) => t.verified)).toEqual([true, true]);
    expect(tls.filter((t) => t.resumed)).toHaveLength(1);
  });
});
