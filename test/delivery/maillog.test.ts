import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MailLog, lines, logTimestamp, quoteReply } from '../../src/delivery/maillog.js';

describe('mail-log line forms (reference §9)', () => {
  it('formats the connection and TLS lines as the appliance does', () => {
    expect(lines.newConnection(7436, '10.10.1.12', '10.10.1.25', 25)).toBe('New SMTP DCID 7436 interface 10.10.1.12 address 10.10.1.25 port 25');
    expect(lines.tlsSuccess(3, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'mx1.example.com')).toBe('DCID 3 TLS success protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384 mx1.example.com');
    expect(lines.tlsFailed(3, 'STARTTLS refused')).toBe('DCID 3 TLS failed: STARTTLS refused');
    expect(lines.tlsRequired(3, '192.0.2.1')).toBe('DCID 3 IP 192.0.2.1 TLS was required but could not be successfully negotiated');
    expect(lines.close(3)).toBe('DCID 3 close');
  });

  it('formats delivery lines with RID lists and quoted replies', () => {
    expect(lines.deliveryStart(1, 2, [0, 1])).toBe('Delivery start DCID 1 MID 2 to RID [0, 1]');
    expect(lines.messageDone(1, 2, [0], { code: 250, enhanced: '2.0.0', text: 'Ok: queued' })).toBe("Message done DCID 1 MID 2 to RID [0] [('250', ['2.0.0 Ok: queued'])]");
    expect(lines.bounced(1, 2, 1, '5.1.1 - Unknown address error', { code: 550, text: "it's gone\nreally" })).toBe(
      "Bounced: DCID 1 MID 2 to RID 1 - 5.1.1 - Unknown address error ('550', ['it\\'s gone', 'really'])",
    );
    expect(lines.delayed(null, 4, 0, '4.4.3 DNS lookup failed')).toBe('Delayed: MID 4 to RID 0 - 4.4.3 DNS lookup failed');
    expect(quoteReply({ code: 451, enhanced: '4.3.0', text: '4.3.0 later' })).toBe("('451', ['4.3.0 later'])");
  });

  it('stamps lines in the ctime form with a severity', () => {
    expect(logTimestamp(new Date(2018, 2, 5, 14, 21, 4))).toBe('Mon Mar  5 14:21:04 2018');
  });

  it('appends to the log file, creating its folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'maillog-'));
    try {
      const file = path.join(dir, 'sub', 'mail.log');
      const at = new Date(2026, 10, 28, 18, 0, 0);
      for (const text of ['one', 'two']) {
        const log = new MailLog(file, () => at);
        log.write(text);
        await log.close();
      }
      expect(await readFile(file, 'utf8')).toBe('Sat Nov 28 18:00:00 2026 Info: one\nSat Nov 28 18:00:00 2026 Info: two\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('close() rejects when lines could not be written (a full device), so the failure is not silent', async () => {
    for (const lineCount of [1, 5000]) {
      const log = new MailLog('/dev/full');
      for (let i = 0; i < lineCount; i++) log.write(`line ${i}`);
      await expect(log.close()).rejects.toThrow(/ENOSPC/);
    }
  });
});

describe('quoteReply', () => {
  // The general form (split into lines, enhanced code prefixed where missing, \ and ' escaped), which the
  // one-line fast path must match.
  function reference(reply: { code: number; enhanced?: string; text: string }): string {
    const quoted = reply.text.split('\n').map((l) => (reply.enhanced && !l.startsWith(reply.enhanced) ? `${reply.enhanced} ${l}` : l));
    return `('${reply.code}', [${quoted.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}])`;
  }

  it('quotes one-line and multi-line replies, escaping quotes and backslashes', () => {
    const text = fc.array(fc.constantFrom('a', ' ', '\n', "'", '\\', '2.0.0', 'Ok'), { maxLength: 10 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.constantFrom(250, 451, 550), fc.option(fc.constantFrom('2.0.0', '4.3.0'), { nil: undefined }), text, (code, enhanced, t) => {
        expect(quoteReply({ code, enhanced, text: t })).toBe(reference({ code, enhanced, text: t }));
      }),
      { numRuns: 2000 },
    );
    expect(quoteReply({ code: 250, enhanced: '2.0.0', text: "Ok: it's queued" })).toBe("('250', ['2.0.0 Ok: it\\'s queued'])");
  });
});
