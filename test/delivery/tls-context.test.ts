import { describe, expect, it } from 'vitest';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { secureContextFor, sessionKey, sniName, TlsSessionCache } from '../../src/delivery/tls-context.js';
import { attemptsStartTls, identityProfile, mustEncrypt, mustVerify } from '../../src/delivery/tls-policy.js';
import { TLS_MODES } from '../../src/table/types.js';
import { testPki } from '../helpers/test-ca.js';

describe('TLS policy predicates', () => {
  it('maps each mode to what it demands', () => {
    expect(TLS_MODES.map((m) => [m, attemptsStartTls(m), mustEncrypt(m), mustVerify(m), identityProfile(m)])).toEqual([
      ['no', false, false, false, 'verify'],
      ['preferred', true, false, false, 'verify'],
      ['required', true, true, false, 'verify'],
      ['preferred_verify', true, false, false, 'verify'],
      ['required_verify', true, true, true, 'verify'],
      ['required_verify_hosted', true, true, true, 'hosted'],
    ]);
  });
});

describe('SNI', () => {
  it.each([
    ['mx.example.com', 'mx.example.com'],
    ['mx.example.com.', 'mx.example.com'],
    ['', undefined],
    ['192.0.2.1', undefined],
    ['2001:db8::1', undefined],
    ['[192.0.2.1]', undefined],
  ])('%j -> %j', (name, expected) => {
    expect(sniName(name)).toBe(expected);
  });
});

describe('TlsSessionCache', () => {
  it('expires entries by age and evicts the least recently stored beyond its size', () => {
    let now = 0;
    const cache = new TlsSessionCache(2, 1000, () => now);
    cache.set('a', { session: Buffer.from('A') });
    cache.set('b', { session: Buffer.from('B') });
    cache.set('c', { session: Buffer.from('C') });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.session.toString()).toBe('B');
    now = 1001;
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('keys sessions by address, port, server name and trust context', () => {
    expect(sessionKey('192.0.2.1', 25, 'mx.example.com', 1)).not.toBe(sessionKey('192.0.2.1', 25, 'mx.example.com', 2));
  });
});

describe('secureContextFor', () => {
  it('builds one context per trust and client-certificate set', () => {
    const a = secureContextFor({ mode: 'required', referenceIds: [], servername: '' });
    const b = secureContextFor({ mode: 'preferred', referenceIds: ['x'], servername: 'y' });
    expect(a.id).toBe(b.id);
    expect(a.context).toBe(b.context);
  });
});

describe('secureContextFor with extra trust anchors', () => {
  /** Handshakes with a server presenting `cert` under `context`; true when the chain verified. */
  async function verifies(context: tls.SecureContext, cert: { cert: string; key: string }): Promise<boolean> {
    const server = tls.createServer({ cert: cert.cert, key: cert.key });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise<boolean>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, secureContext: context, rejectUnauthorized: false, servername: 'mx.example.test' });
        socket.once('secureConnect', () => {
          resolve(socket.authorized);
          socket.destroy();
        });
        socket.once('error', reject);
      });
    } finally {
      server.close();
    }
  }

  it('trusts every extra anchor, and only those beside the roots', async () => {
    const pki = testPki();
    const both = secureContextFor({ mode: 'required_verify', referenceIds: [], servername: '', extraCa: [pki.rogueCaCert, pki.caCert] }).context;
    const one = secureContextFor({ mode: 'required_verify', referenceIds: [], servername: '', extraCa: [pki.caCert] }).context;
    const none = secureContextFor({ mode: 'required_verify', referenceIds: [], servername: '' }).context;
    expect(await verifies(both, pki.valid)).toBe(true);
    expect(await verifies(both, pki.untrusted)).toBe(true);
    expect(await verifies(one, pki.valid)).toBe(true);
    expect(await verifies(one, pki.untrusted)).toBe(false);
    expect(await verifies(none, pki.valid)).toBe(false);
    expect(await verifies(one, pki.selfSigned)).toBe(false);
  });
});
