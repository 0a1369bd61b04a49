// Issue 4's decision table, end to end through the orchestrator: every TLS mode of the governing row
// against every server behaviour, over real loopback sockets with MX records from the in-process DNS
// server. Each cell checks the recipient's outcome and code, what the server received (and whether MAIL
// FROM ever went in the clear), and the mail-log line that tells the operator what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { blankEntry, emptyTable, type TlsMode } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { BEHAVIOURS, type Behaviour } from '../helpers/server-behaviours.js';
import { testPki } from '../helpers/test-ca.js';

/** delivered over TLS / delivered in the clear / deferred with this RFC 3463 code. */
type Outcome = 'tls' | 'clear' | '4.7.4' | '4.7.5';

// Columns: valid, wrong-name, expired, self-signed, not-offered, 454, handshake failure, injected.
const TABLE: Record<TlsMode, Outcome[]> = {
  no: ['clear', 'clear', 'clear', 'clear', 'clear', 'clear', 'clear', 'clear'],
  preferred: ['tls', 'tls', 'tls', 'tls', 'clear', 'clear', '4.7.5', '4.7.5'],
  required: ['tls', 'tls', 'tls', 'tls', '4.7.4', '4.7.5', '4.7.5', '4.7.5'],
  preferred_verify: ['tls', 'tls', 'tls', 'tls', 'clear', 'clear', '4.7.5', '4.7.5'],
  required_verify: ['tls', '4.7.5', '4.7.5', '4.7.5', '4.7.4', '4.7.5', '4.7.5', '4.7.5'],
  required_verify_hosted: ['tls', '4.7.5', '4.7.5', '4.7.5', '4.7.4', '4.7.5', '4.7.5', '4.7.5'],
};

const behaviours = Object.keys(BEHAVIOURS) as Behaviour[];
const cases = (Object.keys(TABLE) as TlsMode[]).flatMap((mode) =>
  behaviours.map((behaviour, column) => ({ mode, behaviour, expected: TABLE[mode][column] as Outcome })),
);

let dns: TestDnsServer;
const servers = new Map<Behaviour, ScriptedSmtpServer>();

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
  const pki = testPki();
  for (const b of behaviours) servers.set(b, await startScriptedSmtpServer({ starttls: BEHAVIOURS[b].starttls, cert: BEHAVIOURS[b].cert(pki) }));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await dns.close();
});

describe('decision table: TLS mode of the row x server behaviour, through deliver()', () => {
  it.each(cases)('$mode against $behaviour -> $expected', async ({ mode, behaviour, expected }) => {
    const server = servers.get(behaviour) as ScriptedSmtpServer;
    const table = emptyTable();
    table.entries.set('example.test', { ...blankEntry('example.test'), tls: mode });
    const log = new MemoryLog();
    const connBefore = server.connections.length;
    const acceptedBefore = server.accepted.length;
    const { report } = await deliver([{ name: 'm.eml', from: 'alice@sender.test', to: ['bob@example.test'], content: Buffer.from('Subject: cell\n\nhello\n') }], {
      table,
      connector: connect,
      mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 2000, tries: 1 }) }),
      log,
      port: server.port,
      helo: 'client.sender.test',
      timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
      extraCa: [testPki().caCert],
    });
    const r = report.recipients[0];
    expect(r?.row).toBe('example.test');
    expect(r?.tls.mode).toBe(mode);
    const conns = server.connections.slice(connBefore);
    expect(conns).toHaveLength(1);
    const clear = conns[0]?.clearText ?? '';
    const logText = log.lines.join('\n');

    if (expected === 'tls' || expected === 'clear') {
      expect(r).toMatchObject({ status: 'delivered', mxHost: 'mx.example.test', ip: '127.0.0.1', attempts: 1, reply: { code: 250 } });
      expect(server.accepted.slice(acceptedBefore)).toEqual([{ data: 'Subject: cell\r\n\r\nhello\r\n', secure: expected === 'tls' }]);
      expect(logText).toMatch(/Message done DCID \d+ MID 1 to RID \[0\] \[\('250', \['2\.0\.0 Ok: queued'\]\)\]/);
      expect(r?.tls.negotiated).toBe(expected === 'tls');
      if (expected === 'tls') {
        expect(clear).not.toContain('MAIL FROM');
        expect(logText).toMatch(/DCID \d+ TLS success protocol TLSv1\.[23] cipher \S+ mx\.example\.test/);
        expect(r?.tls.verified).toBe(behaviour === 'valid');
        if (behaviour === 'valid') expect(r?.tls.matchedIdentity).toBe('mx.example.test');
        else expect(r?.tls.verifyError).toBeTruthy();
      } else {
        expect(clear).toContain('MAIL FROM:<alice@sender.test>');
        if (mode === 'no') expect(clear).not.toContain('STARTTLS');
        expect(logText).not.toContain('TLS success');
      }
    } else {
      expect(r?.status).toBe('deferred');
      expect(r?.reason?.startsWith(`${expected} `)).toBe(true);
      expect(r?.reason).toContain('(mx.example.test [127.0.0.1])');
      expect(server.accepted.length).toBe(acceptedBefore);
      expect(clear).not.toContain('MAIL FROM');
      expect(conns[0]?.tlsText ?? '').not.toContain('MAIL FROM');
      expect(logText).toMatch(/Delayed: MID 1 to RID 0 - 4\.7\.[45] /);
      if (mode.startsWith('required')) expect(logText).toMatch(/DCID \d+ IP 127\.0\.0\.1 TLS was required but could not be successfully negotiated/);
      if (behaviour === 'handshake-failure' || ['wrong-name', 'expired', 'self-signed'].includes(behaviour)) expect(logText).toMatch(/DCID \d+ TLS failed: /);
      // The connection's story in order: whatever failed is logged before the connection's close.
      const failedAt = log.lines.findIndex((l) => / TLS failed: |TLS was required/.test(l));
      const closedAt = log.lines.findIndex((l) => /^Info: DCID \d+ close$/.test(l));
      // The connection's close is always logged; where a failure line is (required modes, TLS errors),
      // it comes before the close. (An opportunistic mode against an injected reply logs no failure line:
      // its Delayed line carries the reason.)
      expect(closedAt, logText).toBeGreaterThanOrEqual(0);
      const failureLogged = mode.startsWith('required') || ['handshake-failure', 'wrong-name', 'expired', 'self-signed'].includes(behaviour);
      expect(failedAt >= 0, logText).toBe(failureLogged);
      if (failureLogged) expect(failedAt, logText).toBeLessThan(closedAt);
    }
  });
});
