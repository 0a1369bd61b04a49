// Report entries of recipients that no transaction decided: when the last attempt ended on a server reply
// (a refusing greeting or EHLO, a refusal of STARTTLS under a Required mode), the report keeps that reply,
// as issue 4 asks ("the last SMTP reply (code, enhanced status code, text)").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { blankEntry, emptyTable, type TlsMode } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';

let dns: TestDnsServer;
let refusing: ScriptedSmtpServer;
beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
  refusing = await startScriptedSmtpServer({ starttls: 'refused-454', cert: testPki().valid });
});
afterAll(async () => {
  await refusing.close();
  await dns.close();
});

describe('the reply of a deferred recipient', () => {
  it.each(['required', 'required_verify', 'required_verify_hosted'] as TlsMode[])('under %s, STARTTLS refused with 454: the 454 is the reported reply', async (mode) => {
    const table = emptyTable();
    table.entries.set('example.test', { ...blankEntry('example.test'), tls: mode });
    const { report } = await deliver([{ name: 'm.eml', from: 'alice@sender.test', to: ['bob@example.test'], content: Buffer.from('Subject: 454\n\nhello\n') }], {
      table,
      connector: connect,
      mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 2000, tries: 1 }) }),
      log: new MemoryLog(),
      port: refusing.port,
      helo: 'client.sender.test',
      timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
    });
    expect(report.recipients[0]).toMatchObject({
      status: 'deferred',
      reply: { code: 454, enhanced: '4.7.0', text: 'TLS not available due to temporary reason' },
    });
    expect(report.recipients[0]?.reason).toMatch(/^4\.7\.5 TLS is required, but host mx\.example\.test refused to start TLS: 454/);
  });
});
