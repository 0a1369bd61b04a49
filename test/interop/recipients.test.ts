// Per-recipient outcomes from Postfix's own replies (issue 5): 550 bounces and 451 defers that recipient
// only; the other recipients of the same message are delivered. Exit status per issue 4.
import { describe, expect, inject, it } from 'vitest';
import { deliver, describeRun, sharedHome, recipient, tableFile } from './helpers/destconfig.js';
import { MailLog, messagesFor, waitForMessage } from './helpers/postfix-side.js';
import { uniqueTag } from './helpers/tools.js';

const peers = inject('peers');

describe.skipIf(peers === null)('recipients refused by Postfix', () => {
  const p = peers!;
  // Default row only: every domain is governed by (Default), which prefers TLS.
  const home = sharedHome(p, tableFile('preferred', {}));

  it('550 bounces and 451 defers their recipients; the others of the same message are delivered (exit 69)', async () => {
    const token = uniqueTag('mixed');
    const ok1 = `${token}-1@offer.test`;
    const ok2 = `${token}-2@offer.test`;
    const log = MailLog.mark(p);
    const run = await deliver(p, await home(), { to: [ok1, 'reject@offer.test', 'tempfail@offer.test', ok2], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(69);
    expect(run.report.summary, why).toEqual({ delivered: 2, deferred: 1, bounced: 1 });

    const rejected = recipient(run, 'reject@offer.test');
    expect(rejected.status, why).toBe('bounced');
    expect(rejected.reply, why).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(rejected.reply?.text, why).toContain('no such user');
    expect(rejected.row, why).toBe('(Default)');

    const tempfailed = recipient(run, 'tempfail@offer.test');
    expect(tempfailed.status, why).toBe('deferred');
    expect(tempfailed.reply, why).toMatchObject({ code: 451, enhanced: '4.3.0' });
    expect(tempfailed.reply?.text, why).toContain('try again later');

    for (const ok of [ok1, ok2]) {
      expect(recipient(run, ok).status, why).toBe('delivered');
      const msg = await waitForMessage(p, ok, token);
      expect(msg.protocol).toBe('ESMTPS');
      expect(await log.deliveredLine(ok)).toContain('(delivered to maildir)');
    }
    // Postfix's own record of the refusals, in the same session that carried the message.
    const lines = log.smtpdLines('offer');
    expect(lines.some((l) => /reject: RCPT from .*: 550 5\.1\.1 <reject@offer\.test>/.test(l))).toBe(true);
    expect(lines.some((l) => /reject: RCPT from .*: 451 4\.3\.0 <tempfail@offer\.test>/.test(l))).toBe(true);
    expect(messagesFor(p, 'reject@offer.test')).toEqual([]);
    expect(messagesFor(p, 'tempfail@offer.test')).toEqual([]);
  });

  it('a 451 with no bounce exits 75, and the other recipient is delivered', async () => {
    const token = uniqueTag('tempfail');
    const ok = `${token}@plain.test`;
    const run = await deliver(p, await home(), { to: ['tempfail@plain.test', ok], token });
    const why = describeRun(run);
    expect(run.code, why).toBe(75);
    expect(recipient(run, 'tempfail@plain.test')).toMatchObject({ status: 'deferred', reply: { code: 451, enhanced: '4.3.0' } });
    expect(recipient(run, ok).status, why).toBe('delivered');
    const msg = await waitForMessage(p, ok, token);
    expect(msg.by).toBe('mx.plain.test');
    expect(msg.protocol).toBe('ESMTP');
  });

  it('one message to recipients in several domains goes to each domain through its own MX (exit 0)', async () => {
    const token = uniqueTag('multi');
    const rcpts = { offer: `${token}@offer.test`, require: `${token}@require.test`, plain: `${token}@plain.test` };
    const run = await deliver(p, await home(), { to: Object.values(rcpts), token });
    const why = describeRun(run);
    expect(run.code, why).toBe(0);
    for (const [listener, rcpt] of Object.entries(rcpts)) {
      expect(recipient(run, rcpt), why).toMatchObject({ status: 'delivered', mxHost: `mx.${listener}.test` });
      const msg = await waitForMessage(p, rcpt, token);
      expect(msg.by).toBe(`mx.${listener}.test`);
      expect(msg.protocol).toBe(listener === 'plain' ? 'ESMTP' : 'ESMTPS');
    }
  });
});
