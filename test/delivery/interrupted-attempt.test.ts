// SIGTERM (the run's abort signal) after a destination's first MX was tried and failed, while its next MX is
// being set up: the recipient was attempted, so the report says what that attempt met, not "interrupted
// before this recipient was attempted". Found in the delivery code review (29 Nov 2026).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputMessage } from '../../src/delivery/deliver.js';
import { emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer } from '../helpers/hostile-server.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

let dns: TestDnsServer;
let stalling: HostileServer;
let connected: () => void;
const reached = new Promise<void>((resolve) => (connected = resolve));

beforeAll(async () => {
  // The second MX takes the connection and never greets; nothing listens on the first MX's address.
  stalling = await startHostileServer(async () => {
    connected();
    await new Promise(() => {});
  }, { host: '127.0.0.3', port: 0 });
  dns = await startDnsServer({
    'two.test': { mx: [{ preference: 10, exchange: 'mx1.two.test' }, { preference: 20, exchange: 'mx2.two.test' }] },
    'mx1.two.test': { a: ['127.0.0.2'] },
    'mx2.two.test': { a: ['127.0.0.3'] },
  });
});
afterAll(async () => {
  await stalling.close();
  await dns.close();
});

const message: InputMessage = { name: 'm.eml', from: 'alice@sender.test', to: ['bob@two.test'], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') };

describe('interrupted while the next MX is set up, after the first one failed', () => {
  it('reports the recipient deferred with the failed attempt (its count, host and reason), not as never attempted', async () => {
    const stop = new AbortController();
    void reached.then(() => stop.abort('SIGTERM'));
    const { report, log } = await deliverOverLoopback([message], emptyTable(), dns.address, stalling.port, { signal: stop.signal });
    const [r] = report.recipients;
    expect(r?.status).toBe('deferred');
    expect(r?.attempts).toBe(1);
    expect(r?.mxHost).toBe('mx1.two.test');
    expect(r?.reason).toMatch(/^4\.4\.1 .*127\.0\.0\.2/);
    expect(r?.reason).not.toMatch(/before this recipient was attempted/);
    // The mail log tells the same story: the failed connection, then the deferral with its reason.
    expect(log.lines.some((l) => /Connection Error: DCID: \d+ IP: 127\.0\.0\.2 /.test(l))).toBe(true);
    expect(log.lines.some((l) => /Delayed: MID \d+ to RID 0 - 4\.4\.1 /.test(l))).toBe(true);
  });
});

describe('interrupted in the fallback after a lost session, once the next MX had failed too', () => {
  let lost: HostileServer;
  let third: HostileServer;
  let dns3: TestDnsServer;
  let thirdReached: () => void;
  const atThird = new Promise<void>((resolve) => (thirdReached = resolve));

  beforeAll(async () => {
    // MX 1 greets and answers EHLO, then drops the connection at MAIL FROM (a session lost before any reply
    // to it: the message goes on to the next MX). MX 2: nothing listens. MX 3 takes the connection and stalls.
    lost = await startHostileServer(async (conn) => {
      conn.write('220 mx1.fall.test ESMTP\r\n');
      await conn.readLine();
      conn.write('250 mx1.fall.test\r\n');
      await conn.readLine();
      conn.close();
    }, { host: '127.0.0.4', port: 0 });
    third = await startHostileServer(async () => {
      thirdReached();
      await new Promise(() => {});
    }, { host: '127.0.0.6', port: lost.port });
    dns3 = await startDnsServer({
      'fall.test': {
        mx: [
          { preference: 10, exchange: 'mx1.fall.test' },
          { preference: 20, exchange: 'mx2.fall.test' },
          { preference: 30, exchange: 'mx3.fall.test' },
        ],
      },
      'mx1.fall.test': { a: ['127.0.0.4'] },
      'mx2.fall.test': { a: ['127.0.0.5'] },
      'mx3.fall.test': { a: ['127.0.0.6'] },
    });
  });
  afterAll(async () => {
    await Promise.all([lost.close(), third.close(), dns3.close()]);
  });

  it('counts every attempt made for the recipient (the lost session and the refused MX) and gives their reason', async () => {
    const stop = new AbortController();
    void atThird.then(() => stop.abort('SIGTERM'));
    const msg: InputMessage = { ...message, to: ['bob@fall.test'] };
    const { report } = await deliverOverLoopback([msg], emptyTable(), dns3.address, lost.port, { signal: stop.signal });
    const [r] = report.recipients;
    expect(r?.status).toBe('deferred');
    expect(r?.attempts).toBe(2);
    // As when every target fails: the deciding failure over all the attempts (here the latest, MX 2's refusal).
    expect(r?.reason).toMatch(/^4\.4\.1 connection to 127\.0\.0\.5 .*ECONNREFUSED/);
    expect(r?.mxHost).toBe('mx2.fall.test');
  });
});
