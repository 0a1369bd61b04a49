// In-process authoritative DNS server for tests (node:dgram + dns-packet), on an ephemeral loopback port.
// Zones are plain data: MX, A and AAAA records per name, plus names that answer NXDOMAIN, SERVFAIL, or
// never answer at all (for time-outs). Everything not listed answers NOERROR with no data (ENODATA in
// Node), which is what a real authoritative server says for a name that exists without that type.
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

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, ready for `--dns-server`. */
  address: string;
  port: number;
  /** Replaces or adds the records of a name (lower-case, no trailing dot). */
  set(name: string, records: ZoneName): void;
  /** Every question received so far, as `TYPE name`. */
  queries: string[];
  close(): Promise<void>;
}

// dns-packet carries the rcode in the low four bits of `flags`.
const AA = 1 << 10;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export async function startDnsServer(zone: Record<string, ZoneName> = {}): Promise<TestDnsServer> {
  const names = new Map<string, ZoneName>(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const queries: string[] = [];
  const socket = dgram.createSocket('udp4');

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
    const rec = names.get(name);
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

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
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
