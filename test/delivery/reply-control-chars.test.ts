// A server's reply text is written into the mail log (`Bounced: ... ('550', ['...'])`) and the text report.
// The reference quotes replies as the appliance's Python does (`('550', ['5.1.1 ...'])`, reference §9), which
// escapes control characters; written raw, a hostile server's CR or terminal escape sequence redraws the line
// for whoever reads the log or the report in a terminal (a forged `Message done`, an erased reason).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailLog } from '../../src/delivery/maillog.js';
import { reportText } from '../../src/delivery/report.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer } from '../helpers/hostile-server.js';
import { deliverOverLoopback } from '../helpers/loopback-deliver.js';

const FORGED = '\r\x1b[2KSun Nov 29 06:00:00 2026 Info: Message done DCID 1 MID 1 to RID [0]';

let dns: TestDnsServer;
let server: HostileServer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reply-ctl-'));
  dns = await startDnsServer({
    'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { a: ['127.0.0.1'] },
  });
  server = await startHostileServer(async (conn) => {
    conn.write('220 mx.example.test ESMTP\r\n');
    for (;;) {
      const line = await conn.readLine();
      if (line === null) return;
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') conn.write('250-mx.example.test\r\n250 STARTTLS\r\n');
      else if (verb === 'STAR') conn.write(`454 4.7.0 not now${FORGED}\r\n`);
      else if (verb === 'RCPT') conn.write(`550 5.1.1 no such user${FORGED}\r\n`);
      else if (verb === 'QUIT') {
        conn.write('221 2.0.0 Bye\r\n');
        conn.close();
        return;
      } else conn.write('250 2.0.0 Ok\r\n');
    }
  });
});
afterAll(async () => {
  await server.close();
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

describe('control characters in a server reply', () => {
  it('are escaped in the mail log and the text report, not written raw', async () => {
    const file = path.join(dir, 'mail.log');
    const log = new MailLog(file);
    const { report } = await deliverOverLoopback(
      [{ name: 'm.eml', from: 'alice@sender.test', to: ['bob@example.test'], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') }],
      emptyTable(),
      dns.address,
      server.port,
      { log },
    );
    await log.close();
    expect(report.recipients[0]?.status).toBe('bounced');
    // The report keeps the reply as the server sent it (JSON escapes it).
    expect(report.recipients[0]?.reply?.text).toBe(`no such user${FORGED}`);
    const written = await readFile(file, 'latin1');
    const bounced = written.split('\n').find((l) => l.includes('Bounced:'));
    expect(bounced).toBeDefined();
    // Python's repr, as the appliance quotes: \r and \x1b spelt out.
    expect(bounced).toContain("('550', ['5.1.1 no such user\\r\\x1b[2KSun Nov 29 06:00:00 2026 Info: Message done DCID 1 MID 1 to RID [0]'])");
    expect(written).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const text = reportText(report);
    expect(text).toContain('reply: 550 5.1.1 no such user\\r\\x1b[2KSun Nov 29');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('are escaped in a reason that quotes the server (STARTTLS refused under Required)', async () => {
    const file = path.join(dir, 'required.log');
    const log = new MailLog(file);
    const table = emptyTable();
    table.entries.set('example.test', { ...blankEntry('example.test'), tls: 'required' });
    const { report } = await deliverOverLoopback(
      [{ name: 'm.eml', from: 'alice@sender.test', to: ['bob@example.test'], content: Buffer.from('Subject: x\r\n\r\nhi\r\n') }],
      table,
      dns.address,
      server.port,
      { log },
    );
    await log.close();
    expect(report.recipients[0]?.status).toBe('deferred');
    expect(report.recipients[0]?.reason).toContain(`not now${FORGED}`);
    const written = await readFile(file, 'latin1');
    expect(written).toContain('not now\\r\\x1b[2KSun Nov 29 06:00:00 2026 Info: Message done');
    expect(written).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(reportText(report)).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });
});
