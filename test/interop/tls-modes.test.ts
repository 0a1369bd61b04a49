// Every TLS mode of the table against every Postfix listener (issue 5): delivered or deferred as the mode
// demands (issue 4, "TLS, mode by mode"), checked on Postfix's side (the Maildir message and its Received
// header, Postfix's own log lines) as well as in our report.
import { describe, expect, inject, it } from 'vitest';
import { TLS_MODES, type TlsMode } from '../../src/table/types.js';
import { deliver, describeRun, homeWithTable, outcomeText, recipient, sharedHome, tableFile, type DeliverRun } from './helpers/destconfig.js';
import { MailLog, messagesFor, sessionCounters, waitForMessage } from './helpers/postfix-side.js';
import type { PeersEnv } from './helpers/peers-env.js';
import { uniqueTag } from './helpers/tools.js';

const peers = inject('peers');

type Listener = 'offer' | 'require' | 'plain' | 'mismatch';
const LISTENERS: Listener[] = ['offer', 'require', 'plain', 'mismatch'];

type Outcome =
  /** Delivered; `encrypted` says whether Postfix must have received it over TLS; `verified` is what the report must say when it is stated. */
  | { status: 'delivered'; encrypted: boolean; verified?: boolean }
  /** Deferred under a Required-family mode: no MAIL FROM was sent on any connection. */
  | { status: 'deferred' }
  /** Bounced by the server's reply (mode No against a server that requires STARTTLS: 530 to MAIL FROM). */
  | { status: 'bounced'; code: number; enhanced: string };

const clear: Outcome = { status: 'delivered', encrypted: false };
const tls: Outcome = { status: 'delivered', encrypted: true };
const tlsVerified: Outcome = { status: 'delivered', encrypted: true, verified: true };
const tlsUnverified: Outcome = { status: 'delivered', encrypted: true, verified: false };
const deferred: Outcome = { status: 'deferred' };

// With --ca-file of the run's CA. The offer/require listeners present a certificate naming their MX host;
// mismatch presents a CA-signed certificate naming only wrong-name.invalid; plain offers no STARTTLS.
const EXPECTED: Record<TlsMode, Record<Listener, Outcome>> = {
  no: { offer: clear, require: { status: 'bounced', code: 530, enhanced: '5.7.0' }, plain: clear, mismatch: clear },
  preferred: { offer: tls, require: tls, plain: clear, mismatch: tls },
  required: { offer: tls, require: tls, plain: deferred, mismatch: tls },
  preferred_verify: { offer: tlsVerified, require: tlsVerified, plain: clear, mismatch: tlsUnverified },
  required_verify: { offer: tlsVerified, require: tlsVerified, plain: deferred, mismatch: deferred },
  required_verify_hosted: { offer: tlsVerified, require: tlsVerified, plain: deferred, mismatch: deferred },
};

const REQUIRED_TLS_LOG = 'TLS was required but could not be successfully negotiated';

async function checkDelivered(p: PeersEnv, run: DeliverRun, log: MailLog, listener: Listener, rcpt: string, token: string, want: Extract<Outcome, { status: 'delivered' }>) {
  const r = recipient(run, rcpt);
  const why = describeRun(run);
  expect(r.status, why).toBe('delivered');
  expect(run.code, why).toBe(0);
  expect(r.mxHost, why).toBe(`mx.${listener}.test`);
  expect(r.ip, why).toBe(p.ips[listener]);
  expect(r.reply?.code, why).toBe(250);
  expect(r.tls.negotiated, why).toBe(want.encrypted);
  if (want.verified !== undefined) expect(r.tls.verified, why).toBe(want.verified);
  if (want.verified === true) expect(r.tls.matchedIdentity, why).toBe(`mx.${listener}.test`);
  if (want.verified === false) expect(r.tls.verifyError, why).toBeTruthy();

  // Postfix's side: the listener took the message, over TLS exactly when the mode demands it.
  const msg = await waitForMessage(p, rcpt, token);
  expect(msg.by).toBe(`mx.${listener}.test`);
  expect(msg.protocol).toBe(want.encrypted ? 'ESMTPS' : 'ESMTP');
  if (want.encrypted) {
    expect(msg.tlsProtocol).toBe(r.tls.protocol);
    expect(msg.tlsCipher).toBe(r.tls.cipher);
  }
  expect(await log.deliveredLine(rcpt)).toContain('(delivered to maildir)');
  expect(log.smtpdLines(listener).some((l) => l.includes(`${msg.queueId}: client=`))).toBe(true);
  const counters = (await log.disconnects(listener)).map(sessionCounters);
  expect(counters.some((c) => (c.data === '1' || c.bdat !== undefined) && (c.starttls === '1') === want.encrypted)).toBe(true);
  if (!want.encrypted) expect(counters.every((c) => c.starttls === undefined)).toBe(true);
}

async function checkDeferred(p: PeersEnv, run: DeliverRun, log: MailLog, listener: Listener, rcpt: string) {
  const r = recipient(run, rcpt);
  const why = describeRun(run);
  expect(r.status, why).toBe('deferred');
  expect(run.code, why).toBe(75);
  expect(outcomeText(r), why).toMatch(/4\.7\.\d/);
  expect(run.mailLog, why).toContain(REQUIRED_TLS_LOG);
  // Postfix's side: a connection came, no MAIL FROM was ever sent on it, nothing was queued or delivered.
  const counters = (await log.disconnects(listener)).map(sessionCounters);
  for (const c of counters) expect(c.mail, `MAIL FROM was sent: ${JSON.stringify(c)}`).toBeUndefined();
  expect(log.mentionsDelivery(rcpt)).toBe(false);
  expect(messagesFor(p, rcpt)).toEqual([]);
}

async function checkBounced(run: DeliverRun, log: MailLog, listener: Listener, rcpt: string, want: Extract<Outcome, { status: 'bounced' }>, p: PeersEnv) {
  const r = recipient(run, rcpt);
  const why = describeRun(run);
  expect(r.status, why).toBe('bounced');
  expect(run.code, why).toBe(69);
  expect(r.reply?.code, why).toBe(want.code);
  expect(r.reply?.enhanced, why).toBe(want.enhanced);
  expect(r.tls.negotiated, why).toBe(false);
  const counters = (await log.disconnects(listener)).map(sessionCounters);
  expect(counters.some((c) => c.mail === '0/1' && c.starttls === undefined)).toBe(true);
  expect(messagesFor(p, rcpt)).toEqual([]);
}

describe.skipIf(peers === null)('TLS modes against real Postfix listeners', () => {
  const p = peers!;

  for (const mode of TLS_MODES) {
    describe(`table_tls ${mode}`, () => {
      const home = sharedHome(p, tableFile('no', Object.fromEntries(LISTENERS.map((l) => [`${l}.test`, mode]))));

      for (const listener of LISTENERS) {
        const want = EXPECTED[mode][listener];
        it(`${listener}: ${want.status}${want.status === 'delivered' ? (want.encrypted ? ' over TLS' : ' in the clear') : ''}`, async () => {
          const token = uniqueTag(`${mode}-${listener}`);
          const rcpt = `${token}@${listener}.test`;
          const log = MailLog.mark(p);
          const run = await deliver(p, await home(), { to: [rcpt], token });
          const r = recipient(run, rcpt);
          expect(r.row, describeRun(run)).toBe(`${listener}.test`);
          expect(r.tls.mode, describeRun(run)).toBe(mode);
          if (want.status === 'delivered') await checkDelivered(p, run, log, listener, rcpt, token, want);
          else if (want.status === 'deferred') await checkDeferred(p, run, log, listener, rcpt);
          else await checkBounced(run, log, listener, rcpt, want, p);
        });
      }
    });
  }

  describe('Verify modes without the run CA (--ca-file not given)', () => {
    const home = sharedHome(p, tableFile('no', { 'offer.test': 'required_verify', 'require.test': 'required_verify_hosted' }));

    it.each([
      ['required_verify', 'offer'],
      ['required_verify_hosted', 'require'],
    ] as const)('%s against %s: the chain does not verify, so deferred and nothing delivered', async (_mode, listener) => {
      const token = uniqueTag(`noca-${listener}`);
      const rcpt = `${token}@${listener}.test`;
      const log = MailLog.mark(p);
      const run = await deliver(p, await home(), { to: [rcpt], token, withCa: false });
      await checkDeferred(p, run, log, listener, rcpt);
      const r = recipient(run, rcpt);
      expect(r.tls.verified, describeRun(run)).not.toBe(true);
      // The handshake was attempted (Postfix counted a STARTTLS) but the chain was refused.
      const counters = (await log.disconnects(listener)).map(sessionCounters);
      expect(counters.some((c) => c.starttls !== undefined)).toBe(true);
    });

    it('preferred_verify against offer: an unverified certificate still carries the message encrypted', async () => {
      const pvHome = await homeWithTable(p, tableFile('no', { 'offer.test': 'preferred_verify' }));
      const token = uniqueTag('noca-pv');
      const rcpt = `${token}@offer.test`;
      const log = MailLog.mark(p);
      const run = await deliver(p, pvHome, { to: [rcpt], token, withCa: false });
      await checkDelivered(p, run, log, 'offer', rcpt, token, tlsUnverified);
    });
  });
});
