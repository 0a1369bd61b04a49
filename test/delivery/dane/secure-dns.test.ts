// The DNSSEC-aware client against the in-process DNS server (reference §6.2, N1-N8, N10): what it makes of
// AD, NXDOMAIN/NODATA, SERVFAIL with an Extended DNS Error, truncation (TCP retry, reply split across
// segments), stray replies, silence, and an AD bit from a resolver that is not on loopback.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureDns, classify, isLoopback, splitServer } from '../../../src/delivery/dane/secure-dns.js';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.js';

const digest = (n: number): Buffer => Buffer.alloc(64, n);
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer(
    {
      'secure.test': { mx: [{ preference: 10, exchange: 'mx.secure.test' }], ad: true },
      'mx.secure.test': { a: ['127.0.0.1'], ad: true },
      '_25._tcp.mx.secure.test': { tlsa: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }], ad: true },
      '_25._tcp.none.secure.test': { nxdomain: true, ad: true },
      'plain.test': { mx: [{ preference: 10, exchange: 'mx.plain.test' }] },
      '_25._tcp.gone.plain.test': { nxdomain: true },
      'bogus.test': { servfail: true, ede: { code: 7, text: 'Signature Expired' } },
      '_25._tcp.big.secure.test': {
        ad: true,
        truncate: true,
        tlsa: Array.from({ length: 20 }, (_, i) => ({ usage: 3, selector: 1, matchingType: 2, certificate: digest(i) })),
      },
      'silent.test': { silent: true },
    },
    { tcp: true },
  );
});
afterAll(() => dns.close());

const client = (server = dns.address): SecureDns => new SecureDns({ server, timeoutMs: 500, tries: 1 });

describe('secure DNS client', () => {
  it('N1: AD=1 with records is secure, records decoded (TLSA fields)', async () => {
    const answer = await client().query('_25._tcp.mx.secure.test', 'TLSA');
    expect(answer).toMatchObject({ security: 'secure', result: 'answer', tcp: false });
    expect(answer.answers[0]).toMatchObject({ type: 'TLSA', data: { usage: 3, selector: 1, matchingType: 1 } });
  });

  it('N2: AD=1 NXDOMAIN and NODATA are secure denials', async () => {
    expect(await client().query('_25._tcp.none.secure.test', 'TLSA')).toMatchObject({ security: 'secure', result: 'nxdomain' });
    expect(await client().query('mx.secure.test', 'AAAA')).toMatchObject({ security: 'secure', result: 'nodata' });
  });

  it('N3: AD=0 answers and NXDOMAIN are insecure', async () => {
    expect(await client().query('plain.test', 'MX')).toMatchObject({ security: 'insecure', result: 'answer' });
    expect(await client().query('_25._tcp.gone.plain.test', 'TLSA')).toMatchObject({ security: 'insecure', result: 'nxdomain' });
  });

  it('N4: SERVFAIL is a lookup error naming the Extended DNS Error', async () => {
    const answer = await client().query('bogus.test', 'MX');
    expect(answer).toMatchObject({ security: 'bogus', result: 'failure', failure: 'SERVFAIL (EDE 7 Signature Expired)' });
  });

  it('N5/N8: a truncated UDP answer is asked again over TCP, the reply reassembled from two segments', async () => {
    const answer = await client().query('_25._tcp.big.secure.test', 'TLSA');
    expect(answer).toMatchObject({ security: 'secure', result: 'answer', tcp: true });
    expect(answer.answers).toHaveLength(20);
    expect(dns.queries).toContain('TCP TLSA _25._tcp.big.secure.test');
  });

  it('N7: no reply is a time-out, a lookup error (never "no records")', async () => {
    expect(await client().query('silent.test', 'A')).toMatchObject({ security: 'bogus', result: 'failure', failure: 'timed out' });
  });

  it('trusts AD only from a loopback resolver', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('192.0.2.53')).toBe(false);
    expect(splitServer('[::1]:5301')).toEqual({ host: '::1', port: 5301 });
    expect(splitServer('192.0.2.53')).toEqual({ host: '192.0.2.53', port: 53 });
    expect(new SecureDns({ server: '192.0.2.53' }).trustsAd).toBe(false);
    const reply = { type: 'response' as const, id: 1, flags: packet.AUTHENTIC_DATA, questions: [{ type: 'A' as const, name: 'x.test' }], answers: [] };
    expect(classify(reply, 'A', false).security).toBe('insecure');
    expect(classify(reply, 'A', true).security).toBe('secure');
  });

  it('N10: RRSIGs and CNAMEs are not returned as records of the type asked', () => {
    const reply = packet.decode(
      packet.encode({
        type: 'response',
        id: 1,
        flags: packet.AUTHENTIC_DATA,
        questions: [{ type: 'A', name: 'alias.test' }],
        answers: [
          { type: 'CNAME', name: 'alias.test', ttl: 60, data: 'Host.test' },
          { type: 'A', name: 'host.test', ttl: 30, data: '127.0.0.1' },
          {
            type: 'RRSIG',
            name: 'host.test',
            ttl: 30,
            data: { typeCovered: 'A', algorithm: 13, labels: 2, originalTTL: 30, expiration: 2, inception: 1, keyTag: 1, signersName: 'test', signature: Buffer.alloc(64) },
          },
        ],
      }),
    );
    const answer = classify(reply, 'A', true);
    expect(answer.answers.map((a) => a.type)).toEqual(['A']);
    expect(answer.cnames).toEqual(['host.test']);
    expect(answer.ttl).toBe(30);
  });
});

describe('stray replies (N6)', () => {
  let spoofer: dgram.Socket;
  let port = 0;
  beforeAll(async () => {
    spoofer = dgram.createSocket('udp4');
    spoofer.on('message', (msg, rinfo) => {
      const query = packet.decode(msg);
      const wrongId = packet.encode({ type: 'response', id: ((query.id ?? 0) + 1) % 65536, flags: packet.AUTHENTIC_DATA, questions: query.questions, answers: [{ type: 'A', name: 'spoof.test', ttl: 60, data: '192.0.2.66' }] });
      const wrongName = packet.encode({ type: 'response', id: query.id, flags: packet.AUTHENTIC_DATA, questions: [{ type: 'A', name: 'other.test' }], answers: [{ type: 'A', name: 'other.test', ttl: 60, data: '192.0.2.67' }] });
      const right = packet.encode({ type: 'response', id: query.id, flags: 0, questions: query.questions, answers: [{ type: 'A', name: 'spoof.test', ttl: 60, data: '127.0.0.1' }] });
      for (const reply of [wrongId, wrongName, Buffer.from('garbage'), right]) spoofer.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => spoofer.bind(0, '127.0.0.1', () => resolve()));
    port = (spoofer.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => spoofer.close(() => resolve())));

  it('ignores replies with a wrong id or question and takes the matching one', async () => {
    const answer = await client(`127.0.0.1:${port}`).query('spoof.test', 'A');
    expect(answer).toMatchObject({ security: 'insecure', result: 'answer' });
    expect(answer.answers.map((a) => (a as { data?: unknown }).data)).toEqual(['127.0.0.1']);
  });
});
