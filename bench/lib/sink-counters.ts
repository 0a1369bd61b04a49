// What a loopback sink saw, counted at the server side: the load tests check the client's limits against
// these numbers, never against the client's own account of what it did.

export interface SinkStats {
  connections: number;
  /** Connections that upgraded with STARTTLS, and how many of those resumed an earlier TLS session. */
  tlsConnections: number;
  tlsResumed: number;
  /** Transactions the sink accepted with 250 after DATA. */
  messages: number;
  /** The most transactions one connection carried. */
  maxMessagesPerConnection: number;
  /** Per destination domain: the most connections open at once (a connection belongs to the domain of its first RCPT). */
  maxConcurrencyByDomain: Record<string, number>;
  /** Per `domain@localIP` (the MX IP the client connected to): the most connections open at once. */
  maxConcurrencyByDomainAndIp: Record<string, number>;
  /** Per destination domain: recipients accepted in a transaction that ended with 250 after DATA. */
  acceptedByDomain: Record<string, number>;
  /** Per `domain@localIP`: recipients accepted with 250 after DATA (recipient limits per MX IP). */
  acceptedByDomainAndIp: Record<string, number>;
  /** Every recipient address accepted with 250 after DATA, with how many times. */
  acceptedRecipients: Record<string, number>;
}

export interface ConnectionCounter {
  /** The RCPT address of a transaction in progress (call for each accepted RCPT). */
  recipient(address: string): void;
  /** The transaction ended with 250 after DATA for these recipients. */
  accepted(addresses: string[]): void;
  tls(resumed: boolean): void;
  close(): void;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export class SinkCounters {
  private readonly stats: SinkStats = {
    connections: 0,
    tlsConnections: 0,
    tlsResumed: 0,
    messages: 0,
    maxMessagesPerConnection: 0,
    maxConcurrencyByDomain: {},
    maxConcurrencyByDomainAndIp: {},
    acceptedByDomain: {},
    acceptedByDomainAndIp: {},
    acceptedRecipients: {},
  };
  private readonly open = new Map<string, number>();

  constructor(private readonly detailed = true) {}

  private raise(key: string, max: Record<string, number>): void {
    const n = (this.open.get(key) ?? 0) + 1;
    this.open.set(key, n);
    if (n > (max[key] ?? 0)) max[key] = n;
  }

  private lower(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 1) - 1);
  }

  /** Counts one connection; `localIp` is the address the client connected to (the MX IP). */
  connection(localIp: string): ConnectionCounter {
    const s = this.stats;
    s.connections++;
    let keys: string[] | null = null;
    let carried = 0;
    return {
      recipient: (address) => {
        if (keys || !this.detailed) return;
        const domain = domainOf(address);
        keys = [domain, `${domain}@${localIp}`];
        this.raise(keys[0] as string, s.maxConcurrencyByDomain);
        this.raise(keys[1] as string, s.maxConcurrencyByDomainAndIp);
      },
      accepted: (addresses) => {
        s.messages++;
        carried++;
        if (carried > s.maxMessagesPerConnection) s.maxMessagesPerConnection = carried;
        if (!this.detailed) return;
        for (const a of addresses) {
          const d = domainOf(a);
          s.acceptedByDomain[d] = (s.acceptedByDomain[d] ?? 0) + 1;
          s.acceptedByDomainAndIp[`${d}@${localIp}`] = (s.acceptedByDomainAndIp[`${d}@${localIp}`] ?? 0) + 1;
          s.acceptedRecipients[a.toLowerCase()] = (s.acceptedRecipients[a.toLowerCase()] ?? 0) + 1;
        }
      },
      tls: (resumed) => {
        s.tlsConnections++;
        if (resumed) s.tlsResumed++;
      },
      close: () => {
        if (keys) for (const k of keys) this.lower(k);
        keys = null;
      },
    };
  }

  snapshot(): SinkStats {
    return structuredClone(this.stats);
  }
}
