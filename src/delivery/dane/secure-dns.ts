// A small DNS client that, unlike node:dns, tells whether an answer was DNSSEC-validated: raw queries
// (dns-packet) over UDP with a TCP retry on truncation, sent to the configured resolver with EDNS0 and the
// DO bit, and the AD bit of the reply trusted only when that resolver is on loopback (reference §2.2;
// Postfix trusts AD from "the system's configured DNSSEC-validating recursive nameserver" and recommends a
// local one, RFC 7672 §2.1.3). Node has no AD flag (nodejs/node#57159) and no resolveTlsa on Node 20.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import packet from 'dns-packet';
import { DNS_QUERY_TIMEOUT_MS } from '../dns.js';

/** RFC 4033 §5 / RFC 7672 §2.1.1 as the client can see them; 'bogus' covers SERVFAIL, time-out and refusals. */
export type DnsSecurity = 'secure' | 'insecure' | 'bogus';

export interface SecureAnswer {
  security: DnsSecurity;
  /** NOERROR with records, NODATA (NOERROR without records of the type), NXDOMAIN, or the failure. */
  result: 'answer' | 'nodata' | 'nxdomain' | 'failure';
  /** Records of the asked type (CNAMEs and RRSIGs left out). */
  answers: packet.Answer[];
  /** The CNAMEs the resolver followed, in order. */
  cnames: string[];
  /** Words for a failure: the rcode or 'timed out', with the Extended DNS Error (RFC 8914) when given. */
  failure?: string;
  /** The answer came over TCP (the UDP one was truncated). */
  tcp: boolean;
  /** Smallest TTL of the answer (seconds), for caching. */
  ttl: number;
}

export interface SecureDnsOptions {
  /** The validating resolver, `IP` or `IP:PORT` / `[IPv6]:PORT` (dns.ts parseDnsServer form). */
  server: string;
  timeoutMs?: number;
  /** UDP tries before giving up (each waits timeoutMs). */
  tries?: number;
}

export function splitServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 53) };
  if (net.isIP(server) === 6) return { host: server, port: 53 };
  const [host = '', port] = server.split(':');
  return { host, port: Number(port ?? 53) };
}

/** Loopback resolvers only: AD from anything else crossed a network nobody authenticated. */
export function isLoopback(host: string): boolean {
  return host === '::1' || (net.isIP(host) === 4 && host.startsWith('127.'));
}

const RCODE_NAMES: Record<string, string> = { SERVFAIL: 'SERVFAIL', REFUSED: 'REFUSED', FORMERR: 'FORMERR', NOTIMP: 'NOTIMP' };
const MAX_TCP_REPLY = 65_535 + 2;

export class SecureDns {
  readonly host: string;
  readonly port: number;
  /** AD bits are believed (the resolver is on loopback). */
  readonly trustsAd: boolean;
  private readonly timeoutMs: number;
  private readonly tries: number;
  /** The resolver's address, to match the source of replies in any of its spellings (`::1`, `0:0::1`). */
  private readonly serverAddress = new net.BlockList();

  constructor(opts: SecureDnsOptions) {
    const { host, port } = splitServer(opts.server);
    this.host = host;
    this.port = port;
    if (net.isIP(host)) this.serverAddress.addAddress(host, net.isIP(host) === 6 ? 'ipv6' : 'ipv4');
    this.trustsAd = isLoopback(host);
    this.timeoutMs = opts.timeoutMs ?? DNS_QUERY_TIMEOUT_MS;
    this.tries = opts.tries ?? 2;
  }

  async query(name: string, type: 'MX' | 'A' | 'AAAA' | 'TLSA'): Promise<SecureAnswer> {
    const query: packet.Packet = {
      type: 'query',
      id: randomInt(0, 65_536),
      flags: packet.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
      // EDNS0 with DO=1 (RES_USE_DNSSEC as Postfix sets it), CD=0 so the resolver validates.
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK } as packet.Answer],
    };
    let reply: packet.Packet | null = null;
    let tcp = false;
    try {
      for (let i = 0; i < this.tries && !reply; i++) reply = await this.udp(query, name, type);
      if (reply && (reply.flags ?? 0) & packet.TRUNCATED_RESPONSE) {
        // Never use a truncated answer: the same question over TCP (RFC 7766).
        reply = await this.tcpQuery(query, name, type);
        tcp = true;
      }
    } catch (error) {
      return failed(`${(error as Error).message}`, tcp);
    }
    if (!reply) return failed('timed out', tcp);
    return classify(reply, type, this.trustsAd, tcp);
  }

  private udp(query: packet.Packet, name: string, type: string): Promise<packet.Packet | null> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIP(this.host) === 6 ? 'udp6' : 'udp4');
      let finished = false;
      const done = (value: packet.Packet | null, error?: Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(value);
      };
      const timer = setTimeout(() => done(null), this.timeoutMs);
      socket.on('error', (error) => done(null, error));
      socket.on('message', (msg, from) => {
        // A reply that is not to this question (from another address or port than the resolver's, wrong id,
        // wrong question, not a response) is dropped silently and the wait goes on: spoofing resistance (RFC
        // 5452 §3, §9.1). The source matters most: the AD bit is believed because the resolver is on loopback.
        if (!this.fromServer(from)) return;
        const reply = decode(msg);
        if (reply && matches(reply, query, name, type)) done(reply);
      });
      socket.send(packet.encode(query), this.port, this.host, (error) => {
        if (error) done(null, error);
      });
    });
  }

  /** The reply came from the resolver's address and port (a server given by name, never trusted for AD, is not checked). */
  private fromServer(from: dgram.RemoteInfo): boolean {
    if (from.port !== this.port) return false;
    return !net.isIP(this.host) || this.serverAddress.check(from.address, from.family === 'IPv6' ? 'ipv6' : 'ipv4');
  }

  private tcpQuery(query: packet.Packet, name: string, type: string): Promise<packet.Packet> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      let buffer = Buffer.alloc(0);
      let finished = false;
      const finish = (error: Error | null, value?: packet.Packet): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(value as packet.Packet);
      };
      const timer = setTimeout(() => finish(new Error('timed out (TCP)')), this.timeoutMs);
      socket.on('error', (error) => finish(new Error(`TCP: ${error.message}`)));
      socket.on('connect', () => socket.write(packet.streamEncode(query)));
      socket.on('data', (chunk: Buffer) => {
        // A reply may come in several segments: gather until the 2-byte length is satisfied.
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length > MAX_TCP_REPLY) return finish(new Error('TCP reply too long'));
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        const reply = decode(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
        if (reply && matches(reply, query, name, type)) finish(null, reply);
        else finish(new Error('TCP reply does not match the question'));
      });
      socket.on('end', () => finish(new Error('TCP connection closed before the reply')));
    });
  }
}

function decode(msg: Buffer): packet.Packet | null {
  try {
    return packet.decode(msg);
  } catch {
    return null;
  }
}

function matches(reply: packet.Packet, query: packet.Packet, name: string, type: string): boolean {
  const q = reply.questions?.[0];
  return reply.type === 'response' && reply.id === query.id && q !== undefined && q.type === type && q.name.toLowerCase().replace(/\.$/, '') === name.toLowerCase().replace(/\.$/, '');
}

function failed(failure: string, tcp: boolean): SecureAnswer {
  return { security: 'bogus', result: 'failure', answers: [], cnames: [], failure, tcp, ttl: 0 };
}

/** Extended DNS Error (RFC 8914, EDNS option 15): `EDE 9 DNSKEY Missing`. */
function extendedError(reply: packet.Packet): string | undefined {
  const opt = reply.additionals?.find((a) => a.type === 'OPT') as { options?: { code: number; data?: Buffer }[] } | undefined;
  const ede = opt?.options?.find((o) => o.code === 15);
  if (!ede?.data || ede.data.length < 2) return undefined;
  const text = ede.data.subarray(2).toString('utf8');
  return `EDE ${ede.data.readUInt16BE(0)}${text ? ` ${text}` : ''}`;
}

/** The table of reference §2.2: rcode, AD and answers to secure / insecure / bogus. */
export function classify(reply: packet.Packet, type: string, trustsAd: boolean, tcp = false): SecureAnswer {
  // dns-packet decodes the rcode (low four header bits) but its types do not declare it.
  const rcode = (reply as packet.Packet & { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN') {
    const ede = extendedError(reply);
    return failed(`${RCODE_NAMES[rcode] ?? rcode}${ede ? ` (${ede})` : ''}`, tcp);
  }
  const ad = trustsAd && ((reply.flags ?? 0) & packet.AUTHENTIC_DATA) !== 0;
  const all = reply.answers ?? [];
  const answers = all.filter((a) => a.type === type);
  const cnames = all.filter((a) => a.type === 'CNAME').map((a) => String((a as { data?: unknown }).data).toLowerCase());
  const ttls = all.filter((a) => a.type !== 'RRSIG').map((a) => ('ttl' in a && typeof a.ttl === 'number' ? a.ttl : 300));
  return {
    security: ad ? 'secure' : 'insecure',
    result: rcode === 'NXDOMAIN' ? 'nxdomain' : answers.length > 0 ? 'answer' : 'nodata',
    answers,
    cnames,
    tcp,
    ttl: ttls.length > 0 ? Math.min(...ttls) : 60,
  };
}
