// In-process authoritative DNS server (node:dgram + dns-packet) on an ephemeral loopback port, for the tests
// and the bench. Zones are plain data: MX, A and AAAA records per name, plus names that answer NXDOMAIN,
// SERVFAIL, or never answer at all (for time-outs), given as a static map or as a function of the name (for
// zones of thousands of generated domains). A name that is listed without the type asked answers NOERROR with
// no data (ENODATA in Node), which is what a real authoritative server says for a name that exists without
// that type; a name not listed answers NXDOMAIN.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
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
  /** Never answer (the client times out). */
  silent?: boolean;
  ttl?: number;
}

/** The records of a (lower-case, no trailing dot) name; undefined when the name does not exist (NXDOMAIN). */
export type ZoneFunction = (name: string) => ZoneName | undefined;

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, ready for `--dns-server`. */
  address: string;
  port: number;
  /** Replaces or adds the records of a name (lower-case, no trailing dot); it takes precedence over a zone function. */
  set(name: string, records: ZoneName): void;
  /** Every question received so far, as `TYPE name` (its length counts the queries). */
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

export async function startDnsServer(zone: Record<string, ZoneName> | ZoneFunction = {}): Promise<TestDnsServer> {
  const names = new Map<string, ZoneName>(typeof zone === 'function' ? [] : Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const lookup = (name: string): ZoneName | undefined => names.get(name) ?? (typeof zone === 'function' ? zone(name) : undefined);
  const queries: string[] = [];
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });

  socket.on('message', (msg, rinfo) => {
    let query: packet.Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${question.type} ${name}`);
    const rec = lookup(name);
    if (rec?.silent) return;
    const ttl = rec?.ttl ?? 300;
    let rcode: number = RCODE.NOERROR;
    const answers: packet.Answer[] = [];
    if (rec?.nxdomain) rcode = RCODE.NXDOMAIN;
    else if (rec?.servfail) rcode = RCODE.SERVFAIL;
    else if (rec) {
      if (question.type === 'MX')
        for (const mx of rec.mx ?? []) answers.push({ type: 'MX', name, ttl, class: 'IN', data: { preference: mx.preference, exchange: mx.exchange === '.' ? '' : mx.exchange } });
      if (question.type === 'A') for (const ip of rec.a ?? []) answers.push({ type: 'A', name, ttl, class: 'IN', data: ip });
      if (question.type === 'AAAA') for (const ip of rec.aaaa ?? []) answers.push({ type: 'AAAA', name, ttl, class: 'IN', data: ip });
    } else rcode = RCODE.NXDOMAIN;
    const reply = packet.encode({
      id: query.id,
      type: 'response',
      flags: AA | packet.RECURSION_DESIRED | rcode,
      questions: query.questions,
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = (socket.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    set(name, records) {
      names.set(name.toLowerCase(), records);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
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
