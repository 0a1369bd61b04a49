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
