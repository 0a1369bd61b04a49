// A small authoritative DNS server on dgram + dns-packet for loopback runs: every destination domain's
// MX points at names whose A records are 127.x addresses, so the delivery client resolves routes the way
// it does in production (MX, then A/AAAA) without touching the network.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export type DnsAnswer =
  | { type: 'MX'; exchange: string; preference: number }
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string };

/** Answers for a (lower-case) name and type; null means NXDOMAIN, [] means NODATA. */
export type Zone = (name: string, type: string) => DnsAnswer[] | null;

export interface DnsServer {
  port: number;
  /** Queries answered so far (the client is expected to cache, not ask per message). */
  queries: number;
  close(): Promise<void>;
}

// dns-packet carries the RCODE only in the low bits of flags (reference node-ecosystem §4.3).
const AUTHORITATIVE = 1 << 10;
const NXDOMAIN = 3;

export async function startDnsServer(zone: Zone, host = '127.0.0.1'): Promise<DnsServer> {
  // A delivery run may ask about hundreds of destinations in one burst; the default receive buffer
  // (about 200 KB) drops datagrams then, which the client would see as DNS time-outs. The kernel caps
  // the size at net.core.rmem_max.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const server: DnsServer = {
    port: 0,
    queries: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    server.queries++;
    const answers = zone(question.name.toLowerCase(), question.type);
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: AUTHORITATIVE | (answers === null ? NXDOMAIN : 0),
      questions: [question],
      answers: (answers ?? []).map((a) => {
        const common = { name: question.name, ttl: 300, class: 'IN' as const };
        if (a.type === 'MX') return { ...common, type: 'MX' as const, data: { exchange: a.exchange, preference: a.preference } };
        return { ...common, type: a.type, data: a.address };
      }),
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  server.port = socket.address().port;
  return server;
}

/**
 * The usual loopback zone: `D` has one MX `mx.D` (or the hosts given by `mxFor`), and every `mx*.` name
 * has an A record on 127.0.0.1 (or the address given by `addressFor`). Other names are NXDOMAIN.
 */
export function loopbackZone(opts: {
  isDomain: (name: string) => boolean;
  mxFor?: (domain: string) => { exchange: string; preference: number }[];
  addressFor?: (host: string) => string;
}): Zone {
  return (name, type) => {
    if (opts.isDomain(name)) {
      if (type !== 'MX') return [];
      const mxs = opts.mxFor?.(name) ?? [{ exchange: `mx.${name}`, preference: 10 }];
      return mxs.map((m) => ({ type: 'MX', ...m }));
    }
    if (name.startsWith('mx')) {
      if (type !== 'A') return [];
      return [{ type: 'A', address: opts.addressFor?.(name) ?? '127.0.0.1' }];
    }
    return null;
  };
}
