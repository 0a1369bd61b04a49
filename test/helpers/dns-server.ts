// In-process authoritative DNS server (node:dgram + dns-packet) on an ephemeral loopback port, for the tests
// and the bench. Zones are plain data: MX, A and AAAA records per name, plus names that answer NXDOMAIN,
// SERVFAIL, or never answer at all (for time-outs), given as a static map or as a function of the name (for
// zones of thousands of generated domains). A name that is listed without the type asked answers NOERROR with
// no data (ENODATA in Node), which is what a real authoritative server says for a name that exists without
// that type; a name not listed answers NXDOMAIN.
import dgram from 'node:dgram';
import net, { type AddressInfo } from 'node:net';
import packet from 'dns-packet';

export interface ZoneName {
  /** MX records; `{ preference: 0, exchange: '.' }` is a null MX (RFC 7505). */
  mx?: { preference: number; exchange: string }[];
  a?: string[];
  aaaa?: string[];
  /** Answer NXDOMAIN for every type. */
  nxdomain?: boolean;
  /** Answer SERVFAIL for every type. */
  servfail?: boolean;
  /** Answer SERVFAIL for these query types only (e.g. ['A', 'AAAA']: the name's MX lookup still answers). */
  servfailTypes?: string[];
  /** Never answer (the client times out). */
  silent?: boolean;
  ttl?: number;
  /** TLSA records (DANE tests); the owner is the `_PORT._tcp.host` name itself. */
  tlsa?: { usage: number; selector: number; matchingType: number; certificate: Buffer }[];
  /** Set the AD bit on every answer for this name (a validating resolver's "secure"), NXDOMAIN included. */
  ad?: boolean;
  /** Extended DNS Error (RFC 8914) added to a SERVFAIL, as unbound gives for bogus data. */
  ede?: { code: number; text: string };
  /** Answer over UDP with TC=1 and no records; the full answer only over TCP (startDnsServer's `tcp` option). */
  truncate?: boolean;
  /** An alias: the answer is this CNAME followed by the target's records (AD only when both names have `ad`). */
  cname?: string;
}

/** The records of a (lower-case, no trailing dot) name; undefined when the name does not exist (NXDOMAIN). */
export type ZoneFunction = (name: string) => ZoneName | undefined;

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, ready for `--dns-server`. */
  address: string;
  port: number;
  /** Replaces or adds the records of a name (lower-case, no trailing dot); it takes precedence over a zone function. */
  set(name: string, records: ZoneName): void;
  /** Every question received so far, as `TYPE name` (its length counts the queries); TCP ones as `TCP TYPE name`. */
  queries: string[];
  close(): Promise<void>;
}

// dns-packet carries the rcode in the low four bits of `flags`.
const AA = 1 << 10;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/**
 * A delivery run may ask about hundreds of destinations in one burst; the default receive buffer (about
 * 200 KB) drops datagrams then, which the client would see as DNS time-outs. The kernel caps the size at
 * net.core.rmem_max.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface DnsServerOptions {
  /** Also answer over TCP on the same port (for answers that `truncate` over UDP). */
  tcp?: boolean;
}

/**
 * A UDP socket on a free loopback port and, when `tcp`, a TCP server on the same port number. The UDP port
 * is free for UDP only: a TCP socket (another test's client connection) may hold the same number, so on
 * EADDRINUSE both are given up and another port is tried.
 */
async function bindUdpAndTcp(tcp: boolean, onConnection: (conn: net.Socket) => void): Promise<{ socket: dgram.Socket; tcpServer: net.Server | null }> {
  for (let attempt = 1; ; attempt++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (!tcp) return { socket, tcpServer: null };
    const server = net.createServer(onConnection);
    const port = (socket.address() as AddressInfo).port;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return { socket, tcpServer: server };
    } catch (err) {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
    }
  }
}

export async function startDnsServer(zone: Record<string, ZoneName> | ZoneFunction = {}, options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const names = new Map<string, ZoneName>(typeof zone === 'function' ? [] : Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const lookup = (name: string): ZoneName | undefined => names.get(name) ?? (typeof zone === 'function' ? zone(name) : undefined);
  const queries: string[] = [];

  /** The reply to a query (null: no reply), over UDP or TCP. */
  const answer = (msg: Buffer, overTcp: boolean): Buffer | null => {
    let query: packet.Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return null;
    }
    const question = query.questions?.[0];
    if (!question) return null;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${overTcp ? 'TCP ' : ''}${question.type} ${name}`);
    const rec = lookup(name);
    if (rec?.silent) return null;
    const ttl = rec?.ttl ?? 300;
    let rcode: number = RCODE.NOERROR;
    const answers: packet.Answer[] = [];
    // One CNAME is followed, as a recursive resolver returns the chain in one answer.
    const alias = rec?.cname?.toLowerCase();
    const target = alias ? lookup(alias) : rec;
    const owner = alias ?? name;
    if (alias) answers.push({ type: 'CNAME', name, ttl, class: 'IN', data: alias });
    if (target?.nxdomain) rcode = RCODE.NXDOMAIN;
    else if (target?.servfail || rec?.servfail || target?.servfailTypes?.includes(question.type)) rcode = RCODE.SERVFAIL;
    else if (target) {
      if (question.type === 'MX')
        for (const mx of target.mx ?? []) answers.push({ type: 'MX', name: owner, ttl, class: 'IN', data: { preference: mx.preference, exchange: mx.exchange === '.' ? '' : mx.exchange } });
      if (question.type === 'A') for (const ip of target.a ?? []) answers.push({ type: 'A', name: owner, ttl, class: 'IN', data: ip });
      if (question.type === 'AAAA') for (const ip of target.aaaa ?? []) answers.push({ type: 'AAAA', name: owner, ttl, class: 'IN', data: ip });
      if (question.type === 'TLSA') for (const data of target.tlsa ?? []) answers.push({ type: 'TLSA', name: owner, ttl, class: 'IN', data });
    } else rcode = RCODE.NXDOMAIN;
    const truncated = rec?.truncate === true && !overTcp;
    let flags = AA | packet.RECURSION_DESIRED | rcode;
    if (rec?.ad && (!alias || target?.ad) && rcode !== RCODE.SERVFAIL) flags |= packet.AUTHENTIC_DATA;
    if (truncated) flags |= packet.TRUNCATED_RESPONSE;
    const additionals: packet.Answer[] = [];
    if (rec?.servfail && rec.ede) {
      const data = Buffer.concat([Buffer.from([rec.ede.code >> 8, rec.ede.code & 0xff]), Buffer.from(rec.ede.text)]);
      additionals.push({ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [{ code: 15, data }] } as unknown as packet.Answer);
    }
    return packet.encode({ id: query.id, type: 'response', flags, questions: query.questions, answers: truncated ? [] : answers, additionals });
  };

  const onTcpConnection = (conn: net.Socket): void => {
    let buffer = Buffer.alloc(0);
    conn.on('error', () => undefined);
    conn.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const reply = answer(buffer.subarray(2, 2 + length), true);
        buffer = buffer.subarray(2 + length);
        // Written in two pieces: clients must reassemble a reply split across segments.
        if (reply) {
          const framed = Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]);
          conn.write(framed.subarray(0, 3));
          setTimeout(() => conn.write(framed.subarray(3)), 5);
        }
      }
    });
  };
  const { socket, tcpServer } = await bindUdpAndTcp(options.tcp === true, onTcpConnection);
  socket.on('message', (msg, rinfo) => {
    const reply = answer(msg, false);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  const port = (socket.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    set(name, records) {
      names.set(name.toLowerCase(), records);
    },
    close: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      if (tcpServer) await new Promise<void>((resolve) => tcpServer?.close(() => resolve()));
    },
  };
}

/**
 * The usual loopback zone of the bench and the load tests: every domain `D` (as `isDomain` says) has one MX
 * `mx.D` (or the hosts `mxFor` gives), and every name starting with `mx` has an A record on 127.0.0.1 (or the
 * address `addressFor` gives). Other names do not exist.
 */
export function loopbackZone(opts: {
  isDomain: (name: string) => boolean;
  mxFor?: (domain: string) => { exchange: string; preference: number }[];
  addressFor?: (host: string) => string;
}): ZoneFunction {
  return (name) => {
    if (opts.isDomain(name)) return { mx: opts.mxFor?.(name) ?? [{ exchange: `mx.${name}`, preference: 10 }] };
    if (name.startsWith('mx')) return { a: [opts.addressFor?.(name) ?? '127.0.0.1'] };
    return undefined;
  };
}
