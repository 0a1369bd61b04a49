// The recipient limit as a run applies it over real connections (recipient-window.ts, limits.ts
// RecipientWindows): admissions given back when a session is lost before any reply to MAIL FROM must be
// that session's own, not a later connection's. Found in the delivery code review (29 Nov 2026).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InputMessage } from '../../src/delivery/deliver.js';
import { RecipientWindows } from '../../src/delivery/limits.js';
import { blankEntry, emptyTable, type DestTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer, type ScriptedConnection } from '../helpers/hostile-server.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

let dns: TestDnsServer;
const servers: HostileServer[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'window.test': { mx: [{ preference: 10, exchange: 'mx.window.test' }] },
    'mx.window.test': { a: ['127.0.0.1'] },
  });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dns.close());

const LIMIT = { limit: 2, minutes: 1 };

function table(): DestTable {
  const t = emptyTable();
  t.entries.set('window.test', { ...blankEntry('window.test'), maxConcurrency: 2, maxMessagesPerConnection: 1, recipientLimit: LIMIT });
  return t;
}

const message = (n: number): InputMessage => ({ name: `m${n}.eml`, from: 'alice@sender.test', to: [`r${n}@window.test`], content: Buffer.from(`Subject: ${n}\n\nhi\n`) });

function run(messages: InputMessage[], port: number, windows: RecipientWindows, now: () => number) {
  return deliverOverLoopback(messages, table(), dns.address, port, { windows, now });
}

describe('a session lost before any reply to MAIL FROM gives back its own admissions', () => {
  it('not those of a connection admitted after it: the limit still holds a minute after the lost one', async () => {
    let clock = 1_000_000;
    const now = (): number => clock;
    let second!: () => void;
    const secondMail = new Promise<void>((resolve) => (second = resolve));
    let mails = 0;
    // The first connection's MAIL FROM moves the clock on a second, waits until the second connection has
    // sent its own, and is then dropped unanswered; every other command is accepted.
    const server = await startHostileServer(async (conn: ScriptedConnection) => {
      conn.write('220 mx.window.test ESMTP\r\n');
      for (;;) {
        const line = await conn.readLine();
        if (line === null) return;
        const verb = line.split(/[ :]/)[0]?.toUpperCase();
        if (verb === 'EHLO') conn.write('250-mx.window.test\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          mails++;
          if (mails === 1) {
            clock += 1000;
            await secondMail;
            conn.destroy();
            return;
          }
          second();
          conn.write('250 2.1.0 Ok\r\n');
        } else if (verb === 'DATA') {
          conn.write('354 go ahead\r\n');
          while ((await conn.readLine()) !== '.');
          conn.write('250 2.0.0 Ok: queued\r\n');
        } else if (verb === 'QUIT') {
          conn.write('221 2.0.0 Bye\r\n');
          conn.close();
          return;
        } else conn.write('250 2.0.0 Ok\r\n');
      }
    });
    servers.push(server);
    const windows = new RecipientWindows(now);
    const first = await run([message(1), message(2)], server.port, windows, now);
    expect(first.report.recipients.map((r) => r.status)).toEqual(['deferred', 'delivered']);

    // 60.5 s after the lost session, 59.5 s after the delivery: that delivery is still inside the window,
    // so of two more recipients only one may go (2 per minute).
    clock += 59_500;
    const later = await run([message(3), message(4)], server.port, windows, now);
    expect(later.report.recipients.map((r) => r.status).sort()).toEqual(['deferred', 'delivered']);
  });
});
