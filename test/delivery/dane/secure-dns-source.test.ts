// Finding of the DNS, routing and DANE code review (docs/qa-accept.md, 29 Nov 2026): the AD bit is believed
// because the resolver is on loopback, so a reply must come from that resolver's address and port (RFC 5452
// §3: a response is matched on its source address and port as well as its id and question). Here the
// "resolver" never answers itself; a second socket (another port, as an off-path forger that guessed the id
// would be) sends a reply with the right id and question, AD set and a forged TLSA record.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureDns } from '../../../src/delivery/dane/secure-dns.js';

let resolver: dgram.Socket;
let forger: dgram.Socket;
let resolverPort = 0;

beforeAll(async () => {
  forger = dgram.createSocket('udp4');
  resolver = dgram.createSocket('udp4');
  resolver.on('message', (msg, rinfo) => {
    const query = packet.decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    const forged = packet.encode({
      type: 'response',
      id: query.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHENTIC_DATA,
      questions: [question],
      answers: [{ type: 'TLSA', name: question.name, ttl: 300, class: 'IN', data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 9) } }],
    } as packet.Packet);
    forger.send(forged, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => forger.bind(0, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => resolver.bind(0, '127.0.0.1', () => resolve()));
  resolverPort = (resolver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => forger.close(() => resolve()));
  await new Promise<void>((resolve) => resolver.close(() => resolve()));
});

describe('secure DNS client: where a reply comes from', () => {
  it('takes no reply from another address or port than the resolver asked, however well it matches', async () => {
    const answer = await new SecureDns({ server: `127.0.0.1:${resolverPort}`, timeoutMs: 500, tries: 1 }).query('_25._tcp.mx.forged.test', 'TLSA');
    expect(answer).toMatchObject({ security: 'bogus', result: 'failure', failure: 'timed out' });
  });
});
