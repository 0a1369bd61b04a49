// deliver() over the real connection layer to loopback peers, with the in-process DNS server as resolver and
// time-outs short enough for tests: the options the delivery tests that run whole deliveries share.
import { deliver, type DeliverOptions, type DeliverResult, type InputMessage } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import type { DestTable } from '../../src/table/types.js';

/** Delivers `messages` under `table` to peers on `port`, resolving names at `dnsAddress`; returns the result and the mail log. */
export async function deliverOverLoopback(
  messages: InputMessage[],
  table: DestTable,
  dnsAddress: string,
  port: number,
  extra: Partial<DeliverOptions> = {},
): Promise<DeliverResult & { log: MemoryLog }> {
  const log = new MemoryLog();
  const result = await deliver(messages, {
    table,
    connector: connect,
    mx: new MxResolver({ resolver: createResolver({ servers: [dnsAddress], timeoutMs: 1000, tries: 1 }) }),
    log,
    port,
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
    ...extra,
  });
  return { ...result, log };
}
