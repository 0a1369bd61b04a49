// Cross-checks of the peers themselves with independent clients (swaks, openssl, Node's resolver): if one
// of these fails, the peers are not what the delivery tests assume, and a delivery failure elsewhere in
// the suite points at the setup, not at destconfig.
import { promises as dns } from 'node:dns';
import { describe, expect, inject, it } from 'vitest';
import { MailLog, sessionCounters, waitForMessage } from './helpers/postfix-side.js';
import { opensslVerify, swaks, uniqueTag } from './helpers/tools.js';

const peers = inject('peers');

describe.skipIf(peers === null)('peers as seen by swaks, openssl and a plain resolver', () => {
  const p = peers!;

  describe('dnsmasq', () => {
    let resolverOnce: dns.Resolver | undefined;
    const dnsmasq = (): dns.Resolver => {
      if (!resolverOnce) {
        resolverOnce = new dns.Resolver({ timeout: 2000, tries: 2 });
        resolverOnce.setServers([p.dnsServer]);
      }
      return resolverOnce;
    };

    it('serves one MX per listener domain, pointing at the listener address', async () => {
      const cases: [string, string, string][] = [
        ['offer.test', 'mx.offer.test', p.ips.offer],
        ['require.test', 'mx.require.test', p.ips.require],
        ['plain.test', 'mx.plain.test', p.ips.plain],
        ['mismatch.test', 'mx.mismatch.test', p.ips.mismatch],
      ];
      for (const [domain, mx, ip] of cases) {
        expect(await dnsmasq().resolveMx(domain)).toEqual([{ exchange: mx, priority: 10 }]);
        expect(await dnsmasq().resolve4(mx)).toEqual([ip]);
      }
    });

    it('serves two preferences for the fallback domains, the first one down or refusing', async () => {
      const byPref = (rs: { exchange: string; priority: number }[]) => [...rs].sort((a, b) => a.priority - b.priority);
      expect(byPref(await dnsmasq().resolveMx('down.test'))).toEqual([
        { exchange: 'mx1.down.test', priority: 10 },
        { exchange: 'mx2.down.test', priority: 20 },
      ]);
      expect(byPref(await dnsmasq().resolveMx('refuse.test'))).toEqual([
        { exchange: 'mx1.refuse.test', priority: 10 },
        { exchange: 'mx2.refuse.test', priority: 20 },
      ]);
      expect(await dnsmasq().resolve4('mx1.down.test')).toEqual([p.ips.down]);
      expect(await dnsmasq().resolve4('mx1.refuse.test')).toEqual([p.ips.refuse]);
      expect(await dnsmasq().resolve4('mx2.down.test')).toEqual([p.ips.offer]);
      expect(await dnsmasq().resolve4('mx2.refuse.test')).toEqual([p.ips.offer]);
    });

    it('has a domain without MX but with an A record, a null MX, and NXDOMAIN for unknown names', async () => {
      await expect(dnsmasq().resolveMx('nomx.test')).rejects.toMatchObject({ code: 'ENODATA' });
      expect(await dnsmasq().resolve4('nomx.test')).toEqual([p.ips.offer]);
      expect(await dnsmasq().resolveMx('nullmx.test')).toEqual([{ exchange: '', priority: 0 }]);
      await expect(dnsmasq().resolveMx('missing.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    });
  });

  describe('Postfix listeners', () => {
    it('offer: advertises STARTTLS; a CA-verified session delivers to the Maildir with ESMTPS', async () => {
      const rcpt = `${uniqueTag('swaks-offer')}@offer.test`;
      const log = MailLog.mark(p);
      const r = await swaks({ server: p.ips.offer, port: p.smtpPort, to: rcpt, tls: true, verifyWithCa: p.caFile, sni: 'mx.offer.test' });
      expect(r.output).toContain('250-STARTTLS');
      expect(r.output).toMatch(/TLS started with cipher TLSv1\.[23]/);
      expect(r.output).toContain('TLS peer DN="/CN=mx.offer.test"');
      expect(r.output).toMatch(/250 2\.0\.0 Ok: queued as/);
      expect(r.code).toBe(0);
      const msg = await waitForMessage(p, rcpt);
      expect(msg.by).toBe('mx.offer.test');
      expect(msg.protocol).toBe('ESMTPS');
      expect(msg.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
      expect(await log.deliveredLine(rcpt)).toContain('(delivered to maildir)');
      expect(log.smtpdLines('offer').some((l) => l.includes(`${msg.queueId}: client=`))).toBe(true);
    });

    it('offer: OpenSSL verifies its certificate for mx.offer.test against the run CA', async () => {
      const r = await opensslVerify(p.ips.offer, p.smtpPort, p.caFile, 'mx.offer.test');
      expect(r.output).toContain('Verification: OK');
      expect(r.output).toContain('Verified peername: mx.offer.test');
    });

    it('offer: without the run CA its certificate does not verify', async () => {
      const r = await swaks({ server: p.ips.offer, port: p.smtpPort, to: 'x@offer.test', tls: true, verifyWithCa: '/etc/ssl/certs/ca-certificates.crt', quitAfter: 'TLS' });
      expect(r.output).toMatch(/TLS startup failed.*certificate verify failed/i);
      expect(r.code).not.toBe(0);
    });

    it('require: refuses MAIL before STARTTLS with 530, and delivers after it', async () => {
      const clear = await swaks({ server: p.ips.require, port: p.smtpPort, to: 'x@require.test', quitAfter: 'RCPT' });
      expect(clear.output).toContain('530 5.7.0 Must issue a STARTTLS command first');
      const rcpt = `${uniqueTag('swaks-require')}@require.test`;
      const tls = await swaks({ server: p.ips.require, port: p.smtpPort, to: rcpt, tls: true, verifyWithCa: p.caFile });
      expect(tls.code).toBe(0);
      const msg = await waitForMessage(p, rcpt);
      expect(msg.by).toBe('mx.require.test');
      expect(msg.protocol).toBe('ESMTPS');
    });

    it('plain: does not advertise STARTTLS, and delivers in the clear (ESMTP)', async () => {
      const tls = await swaks({ server: p.ips.plain, port: p.smtpPort, to: 'x@plain.test', tls: true, quitAfter: 'TLS' });
      expect(tls.output).toContain('Host did not advertise STARTTLS');
      const rcpt = `${uniqueTag('swaks-plain')}@plain.test`;
      const clear = await swaks({ server: p.ips.plain, port: p.smtpPort, to: rcpt });
      expect(clear.code).toBe(0);
      const msg = await waitForMessage(p, rcpt);
      expect(msg.by).toBe('mx.plain.test');
      expect(msg.protocol).toBe('ESMTP');
      expect(msg.tlsProtocol).toBeUndefined();
    });

    it('mismatch: its certificate chains to the run CA but does not name mx.mismatch.test', async () => {
      const chain = await swaks({ server: p.ips.mismatch, port: p.smtpPort, to: 'x@mismatch.test', tls: true, verifyWithCa: p.caFile, quitAfter: 'TLS' });
      expect(chain.output).toContain('TLS peer DN="/CN=wrong-name.invalid"');
      expect(chain.code).toBe(0);
      const name = await opensslVerify(p.ips.mismatch, p.smtpPort, p.caFile, 'mx.mismatch.test');
      expect(name.output).toContain('hostname mismatch');
      expect(name.code).not.toBe(0);
    });

    it('reject@ gets 550 5.1.1 and tempfail@ gets 451 4.3.0, while another recipient of the same message is accepted', async () => {
      const ok = `${uniqueTag('swaks-mixed')}@offer.test`;
      const r = await swaks({ server: p.ips.offer, port: p.smtpPort, to: `${ok},reject@offer.test,tempfail@offer.test`, tls: true });
      expect(r.output).toMatch(/550 5\.1\.1 <reject@offer\.test>/);
      expect(r.output).toMatch(/451 4\.3\.0 <tempfail@offer\.test>/);
      expect(r.output).toMatch(/250 2\.0\.0 Ok: queued as/);
      await waitForMessage(p, ok);
    });

    it('refuse: answers the connection with 554 instead of a 220 greeting', async () => {
      const log = MailLog.mark(p);
      const r = await swaks({ server: p.ips.refuse, port: p.smtpPort, to: 'x@refuse.test', quitAfter: 'EHLO' });
      expect(r.output).toMatch(/<\*\* 554 5\.7\.1 /);
      expect(r.code).not.toBe(0);
      const [line] = await log.disconnects('refuse');
      expect(sessionCounters(line!).mail).toBeUndefined();
    });

    it('down: nothing listens on the first MX of down.test', async () => {
      const r = await swaks({ server: p.ips.down, port: p.smtpPort, to: 'x@down.test', quitAfter: 'CONNECT' });
      expect(r.output).toMatch(/Connection refused/i);
      expect(r.code).not.toBe(0);
    });
  });
});
