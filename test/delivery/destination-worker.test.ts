// The per-destination workers over real connections (destination-worker.ts): a connection attempt that
// fails while another connection to the destination is carrying its mail does not defer the destination's
// queue. Found in the delivery code review (29 Nov 2026).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InputMessage } from '../../src/delivery/deliver.js';
import { blankEntry, emptyTable, type DestTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer } from '../helpers/hostile-server.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

let dns: TestDnsServer;
const servers: HostileServer[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'busy.test': { mx: [{ preference: 10, exchange: 'mx.busy.test' }] },
    'mx.busy.test': { a: ['127.0.0.1'] },
  });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dns.close());

function table(): DestTable {
  const t = emptyTable();
  t.entries.set('busy.test', { ...blankEntry('busy.test'), maxConcurrency: 2, maxMessagesPerConnection: 2 });
  return t;
}

const message = (n: number): InputMessage => ({ name: `m${n}.eml`, from: 'alice@sender.test', to: [`r${n}@busy.test`], content: Buffer.from(`Subject: ${n}\n\nhi\n`) });

/**
 * A server that takes one connection at a time, as many do per client address: a second one meanwhile gets
 * `421 4.7.0 Too many connections` as its greeting. Every message is accepted.
 */
async function oneAtATime(): Promise<{ server: HostileServer; state: { accepted: number } }> {
  let open = 0;
  const state = { accepted: 0 };
  const server = await startHostileServer(async (conn) => {
    if (open > 0) {
      conn.write('421 4.7.0 Too many connections from your address\r\n');
      conn.close();
      return;
    }
    open++;
    try {
      conn.write('220 mx.busy.test ESMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        const verb = line.split(/[ :]/)[0]?.toUpperCase();
        if (verb === 'EHLO') conn.write('250-mx.busy.test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          conn.write('354 go ahead\r\n');
          while ((await conn.readLine()) !== '.');
          state.accepted++;
          conn.write('250 2.0.0 Ok: queued\r\n');
        } else if (verb === 'QUIT') {
          conn.write('221 2.0.0 Bye\r\n');
          conn.close();
          return;
        } else conn.write('250 2.0.0 Ok\r\n');
      }
    } finally {
      open--;
    }
  });
  servers.push(server);
  return { server, state };
}

describe('a connection attempt refused while another connection carries the destination', () => {
  it('leaves the queue to the connection that works: every message is delivered', async () => {
    const { server, state } = await oneAtATime();
    const { report } = await deliverOverLoopback([1, 2, 3, 4, 5].map(message), table(), dns.address, server.port);
    expect(report.recipients.map((r) => [r.address, r.status, r.reason])).toEqual([1, 2, 3, 4, 5].map((n) => [`r${n}@busy.test`, 'delivered', null]));
    expect(state.accepted).toBe(5);
  });
});
