// The BATV-tagged sender as it goes out in MAIL FROM must still be an RFC 5321 Mailbox: a Dot-string or a
// Quoted-string local part (§4.1.2). `prvs=TAG=` put before a quoted local part (`prvs=TAG="j@home"@d`) is
// neither, and a strict server refuses it (Postfix: 501 5.1.7 Bad sender address syntax); the tag goes inside
// the quotes, and an address tagged that way is recognised as tagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batvTag, batvValid, isTagged } from '../../src/delivery/batv.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const MAILBOX = new RegExp(`^(?:${ATEXT}+(?:\\.${ATEXT}+)*|"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*")@[A-Za-z0-9.-]+$`);
const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const now = Date.UTC(2026, 10, 29, 12);

let dns: TestDnsServer;
let server: ScriptedSmtpServer;
beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
  server = await startScriptedSmtpServer({ starttls: 'not-offered' });
});
afterAll(async () => {
  await server.close();
  await dns.close();
});

async function mailFromSent(from: string): Promise<string> {
  const table = emptyTable();
  table.entries.set('example.test', { ...blankEntry('example.test'), bounceVerification: true });
  const before = server.connections.length;
  const { report } = await deliverOverLoopback(
    [{ name: 'm.eml', from, to: ['bob@example.test'], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') }],
    table,
    dns.address,
    server.port,
    { batvKey: async () => key, now: () => now },
  );
  expect(report.recipients[0]?.status).toBe('delivered');
  const sent = server.connections[before]?.clearText ?? '';
  const m = /^MAIL FROM:<([^>]*)>/m.exec(sent);
  expect(m).not.toBeNull();
  return m?.[1] ?? '';
}

describe('BATV tag on the wire', () => {
  it('a plain local part: prvs=TAG=local@domain, a valid Mailbox that verifies', async () => {
    const sent = await mailFromSent('joe@sender.test');
    expect(sent).toMatch(/^prvs=0\d{3}[0-9A-F]{6}=joe@sender\.test$/);
    expect(sent).toMatch(MAILBOX);
    expect(batvValid(sent, key, new Date(now))).toBe(true);
  });

  it('a quoted local part: the tag goes inside the quotes, still a valid Mailbox that verifies', async () => {
    const sent = await mailFromSent('"j@home"@sender.test');
    expect(sent).toMatch(/^"prvs=0\d{3}[0-9A-F]{6}=j@home"@sender\.test$/);
    expect(sent).toMatch(MAILBOX);
    expect(batvValid(sent, key, new Date(now))).toBe(true);
  });

  it('an address already tagged inside quotes is not tagged again', () => {
    const tagged = batvTag('"j@home"@sender.test', key, new Date(now));
    expect(isTagged(tagged)).toBe(true);
    expect(batvTag(tagged, key, new Date(now))).toBe(tagged);
  });

  // Without SMTPUTF8 the sender's domain goes as its A-label (envelope-address.ts). A bounce comes back to
  // the address as sent, so the tag must verify in that form, not only in the UTF-8 one it was made from.
  it('a non-ASCII domain sent as its A-label (no SMTPUTF8): the tag verifies on the address as sent', async () => {
    const sent = await mailFromSent('joe@bücher.test');
    expect(sent).toMatch(/^prvs=0\d{3}[0-9A-F]{6}=joe@xn--bcher-kva\.test$/);
    expect(batvValid(sent, key, new Date(now))).toBe(true);
    expect(batvValid(batvTag('joe@bücher.test', key, new Date(now)), key, new Date(now))).toBe(true);
  });
});
