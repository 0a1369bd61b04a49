// How a failed connection attempt becomes a recipient's outcome (outcome.ts), end to end over real sockets:
// which failures count as TLS failures (the `TLS was required` line, the 4.7.x code, the SETUP alert) and
// which do not. Found in the delivery code review (29 Nov 2026).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InputMessage } from '../../src/delivery/deliver.js';
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer, type ScriptedConnection } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

let dns: TestDnsServer;
const servers: HostileServer[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dns.close());

function table(...entries: Partial<DestEntry>[]): DestTable {
  const t = emptyTable();
  t.globals.alertOnRequiredTlsFailure = true;
  for (const e of entries) t.entries.set(e.destination as string, { ...blankEntry(e.destination as string), ...e });
  return t;
}

const message: InputMessage = { name: 'm.eml', from: 'alice@sender.test', to: ['bob@example.test'], content: Buffer.from('Subject: t\n\nhi\n') };

async function run(t: DestTable, port: number) {
  const alerts: string[] = [];
  const result = await deliverOverLoopback([message], t, dns.address, port, {
    extraCa: [testPki().caCert],
    alerts: { requiredTlsFailed: (domain) => alerts.push(domain), flush: async () => undefined },
  });
  return { ...result, alerts };
}

/** Greets, offers STARTTLS, completes the handshake, then runs `afterTls` for the EHLO sent over TLS. */
async function tlsServer(afterTls: (conn: ScriptedConnection) => void): Promise<HostileServer> {
  const server = await startHostileServer(async (conn) => {
    conn.write('220 mx.example.test ESMTP\r\n');
    await conn.readLine(); // EHLO
    conn.write('250-mx.example.test\r\n250 STARTTLS\r\n');
    await conn.readLine(); // STARTTLS
    conn.write('220 2.0.0 Ready to start TLS\r\n');
    if (!(await conn.upgrade(testPki().valid))) return;
    await conn.readLine(); // EHLO over TLS
    afterTls(conn);
    await conn.readLine();
  });
  servers.push(server);
  return server;
}

describe('a failure after TLS was negotiated is no TLS failure', () => {
  it('a malformed EHLO reply over an established TLS session under Required: 4.5.0, no "TLS was required" line, no SETUP alert', async () => {
    const server = await tlsServer((conn) => conn.write('this is no SMTP reply\r\n'));
    const { report, log, alerts } = await run(table({ destination: 'example.test', tls: 'required' }), server.port);
    const r = report.recipients[0];
    expect(r?.status).toBe('deferred');
    expect(log.lines.some((l) => /TLS success protocol/.test(l))).toBe(true);
    expect(r?.reason).toMatch(/^4\.5\.0 protocol violation: malformed reply line/);
    expect(r?.tls.negotiated).toBe(true);
    expect(log.lines.filter((l) => l.includes('TLS was required'))).toEqual([]);
    expect(log.lines.some((l) => /Connection Error: DCID: \d+ IP: 127\.0\.0\.1 details: protocol violation/.test(l))).toBe(true);
    expect(alerts).toEqual([]);
  });
});
