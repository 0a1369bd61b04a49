// Which ends of a connection's first transaction count as a session lost before any reply to MAIL FROM
// (the job then goes on to the next target: deliver.test.ts and deliver-e2e.test.ts check that), and the
// failure a lost session becomes in the deferral reason and the `Connection Error:` line.
import { describe, expect, it } from 'vitest';
import { lostBeforeMail } from '../../src/delivery/session-fallback.js';
import { describeFailure } from '../../src/delivery/outcome.js';
import { connectionErrorKind } from '../../src/delivery/open-connection.js';
import type { MessageResult, RecipientResult, SmtpReply, TlsInfo } from '../../src/delivery/types.js';

const tls: TlsInfo = { mode: 'preferred', offered: true, attempted: true, negotiated: true, protocol: 'TLSv1.3' };
const r421: SmtpReply = { code: 421, enhanced: '4.3.2', text: 'Service shutting down' };
const ok: SmtpReply = { code: 250, enhanced: '2.1.0', text: 'Ok' };

function result(mailReply: SmtpReply | undefined, ...recipients: Partial<RecipientResult>[]): MessageResult {
  return { mid: 1, mailReply, recipients: recipients.map((r, rid) => ({ rid, address: `u${rid}@d.test`, status: 'deferred', ...r })) };
}

describe('lostBeforeMail', () => {
  it.each([
    ['closed before the reply to MAIL FROM', result(undefined, { reason: '4.4.2 connection closed by the server while waiting for the reply to MAIL FROM' }), 'connection closed by the server while waiting for the reply to MAIL FROM'],
    ['closed before anything was sent', result(undefined, { reason: '4.4.2 connection no longer usable: closed' }), 'connection no longer usable: closed'],
    ['a time-out', result(undefined, { reason: '4.4.2 timed out after 300 ms waiting for the reply to MAIL FROM' }), 'timed out after 300 ms waiting for the reply to MAIL FROM'],
    ['421 to MAIL FROM (lock-step: the reply decides)', result(r421, { reply: r421 }), 'the server is closing the connection: 421 4.3.2 Service shutting down'],
    ['421 to MAIL FROM (pipelined)', result(r421, { reply: r421, reason: 'the server is closing the connection: 421 4.3.2 Service shutting down' }), 'the server is closing the connection: 421 4.3.2 Service shutting down'],
    ['an invalid recipient refused by the client beside a lost one', result(undefined, { status: 'bounced', reason: '5.1.3 invalid recipient address' }, { reason: '4.4.2 connection closed by the server while waiting for the reply to MAIL FROM' }), 'connection closed by the server while waiting for the reply to MAIL FROM'],
  ])('%s is a lost session', (_, res, reason) => {
    const failure = lostBeforeMail(res, false, tls);
    expect(failure).toMatchObject({ ok: false, stage: 'session', reason, tls });
    expect(failure?.reply).toBe(res.mailReply);
  });

  it.each([
    ['the connection is still usable (a message the client refused: SIZE, invalid sender)', result(undefined, { status: 'bounced', reason: '5.3.4 message size' }), true],
    ['MAIL FROM was accepted, then the drop', result(ok, { reason: '4.4.2 connection closed by the server while waiting for the reply to the final dot' }), false],
    ['MAIL FROM refused with 451 (a reply, not a closing channel)', result({ code: 451, enhanced: '4.3.0', text: 'later' }, { reply: { code: 451, text: 'later' } }), false],
    ['MAIL FROM refused with 550', result({ code: 550, enhanced: '5.7.1', text: 'no' }, { status: 'bounced' }), false],
    ['nobody deferred (every recipient refused by the client)', result(undefined, { status: 'bounced', reason: '5.1.3 invalid recipient address' }), false],
  ])('%s is not', (_, res, usable) => {
    expect(lostBeforeMail(res, usable, tls)).toBeNull();
  });

  it('becomes a 4.4.2 (or the 421 code) deferral naming the host, and a network error or unexpected response in the log', () => {
    const closed = lostBeforeMail(result(undefined, { reason: '4.4.2 connection closed by the server while waiting for the reply to MAIL FROM' }), false, tls);
    const by421 = lostBeforeMail(result(r421, { reply: r421 }), false, tls);
    const bare421 = lostBeforeMail(result({ code: 421, text: 'bye' }, { reply: { code: 421, text: 'bye' } }), false, tls);
    if (!closed || !by421 || !bare421) throw new Error('expected lost sessions');
    const at = { mxHost: 'mx1.d.test', ip: '192.0.2.1', tlsPolicy: false };
    expect(describeFailure({ failure: closed, ...at })).toBe('4.4.2 connection closed by the server while waiting for the reply to MAIL FROM (mx1.d.test [192.0.2.1])');
    expect(describeFailure({ failure: by421, ...at })).toBe('4.3.2 the server is closing the connection: 421 4.3.2 Service shutting down (mx1.d.test [192.0.2.1])');
    expect(describeFailure({ failure: bare421, ...at })).toBe('4.4.2 the server is closing the connection: 421 bye (mx1.d.test [192.0.2.1])');
    expect(connectionErrorKind(closed)).toBe('network error');
    expect(connectionErrorKind(by421)).toBe('unexpected SMTP response');
  });
});
