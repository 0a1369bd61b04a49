// The decision table of issue 4: every TLS mode against every server behaviour, with the outcome
// (delivered encrypted / delivered in the clear / ConnectFailure stage), the verification recorded,
// and the exact bytes the server received in the clear (MAIL FROM never in the clear under Required).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type ConnectionEvent, type TlsPolicy } from '../../src/delivery/types.js';
import type { TlsMode } from '../../src/table/types.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { BEHAVIOURS, type Behaviour } from '../helpers/server-behaviours.js';
import { testPki } from '../helpers/test-ca.js';

type Outcome = 'encrypted' | 'clear' | 'fail:tls' | 'fail:protocol';

// Columns: valid, wrong-name, expired, self-signed, not-offered, 454, handshake failure, injected.
const TABLE: Record<TlsMode, Outcome[]> = {
  no: ['clear', 'clear', 'clear', 'clear', 'clear', 'clear', 'clear', 'clear'],
  preferred: ['encrypted', 'encrypted', 'encrypted', 'encrypted', 'clear', 'clear', 'fail:tls', 'fail:protocol'],
  required: ['encrypted', 'encrypted', 'encrypted', 'encrypted', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:protocol'],
  preferred_verify: ['encrypted', 'encrypted', 'encrypted', 'encrypted', 'clear', 'clear', 'fail:tls', 'fail:protocol'],
  required_verify: ['encrypted', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:protocol'],
  required_verify_hosted: ['encrypted', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:tls', 'fail:protocol'],
};

/** What verification records for each certificate, whatever the mode. */
const VERIFY_ERROR: Partial<Record<Behaviour, string | undefined>> = {
  valid: undefined,
  'wrong-name': 'hostname mismatch',
  expired: 'certificate has expired',
  'self-signed': 'self-signed certificate',
};

/** The reason a failing connection gives (a substring). */
const FAILURE_REASON: Partial<Record<Behaviour, string>> = {
  'wrong-name': 'certificate verification failed: hostname mismatch',
  expired: 'certificate verification failed: certificate has expired',
  'self-signed': 'certificate verification failed: self-signed certificate',
  'not-offered': 'TLS is required, but was not offered by host mx.example.test',
  'refused-454': 'TLS is required, but host mx.example.test refused to start TLS: 454 4.7.0',
  'handshake-failure': 'TLS handshake failed',
  injected: 'protocol violation: data received after the 220 reply to STARTTLS',
};

const behaviours = Object.keys(BEHAVIOURS) as Behaviour[];
const cases = (Object.keys(TABLE) as TlsMode[]).flatMap((mode) =>
  behaviours.map((behaviour, column) => ({ mode, behaviour, expected: TABLE[mode][column] as Outcome })),
);

describe('TLS mode x server behaviour', () => {
  const servers = new Map<Behaviour, ScriptedSmtpServer>();
  beforeAll(async () => {
    const pki = testPki();
    for (const behaviour of behaviours) {
      const spec = BEHAVIOURS[behaviour];
      servers.set(behaviour, await startScriptedSmtpServer({ starttls: spec.starttls, cert: spec.cert(pki) }));
    }
  });
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it.each(cases)('$mode against $behaviour -> $expected', async ({ mode, behaviour, expected }) => {
    const server = servers.get(behaviour) as ScriptedSmtpServer;
    const policy: TlsPolicy = {
      mode,
      referenceIds: ['example.test', 'mx.example.test'],
      servername: 'mx.example.test',
      extraCa: [testPki().caCert],
    };
    const events: ConnectionEvent[] = [];
    const before = server.connections.length;
    const acceptedBefore = server.accepted.length;
    const result = await connect({
      target: { ip: '127.0.0.1', port: server.port, mxHost: 'mx.example.test' },
      policy,
      helo: 'client.sender.test',
      timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, tlsMs: 10_000 },
      dcid: 7,
      onEvent: (event) => events.push(event),
    });
    if (result.ok) {
      const message = await result.connection.send({
        mid: 1,
        from: 'alice@sender.test',
        recipients: [{ rid: 0, address: 'bob@example.test' }],
        content: Buffer.from('Subject: table\r\n\r\nhello\r\n'),
      });
      await result.connection.close();
      expect(message.recipients[0]?.status).toBe('delivered');
    }
    const conn = server.connections[before];
    expect(conn).toBeDefined();
    const clear = conn?.clearText ?? '';
    const overTls = conn?.tlsText ?? '';

    if (expected === 'encrypted') {
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const tls = result.connection.tls;
      expect(tls.negotiated).toBe(true);
      expect(tls.verified).toBe(behaviour === 'valid');
      expect(tls.verifyError).toBe(VERIFY_ERROR[behaviour]);
      if (behaviour === 'valid') expect(tls.matchedIdentity).toBe('mx.example.test');
      expect(tls.peerCertificate?.subject).toContain('CN=');
      expect(clear).toBe('EHLO client.sender.test\r\nSTARTTLS\r\n');
      expect(overTls).toMatch(/^EHLO client\.sender\.test\r\nMAIL FROM:<alice@sender\.test>/);
      expect(server.accepted.slice(acceptedBefore)).toEqual([{ data: 'Subject: table\r\n\r\nhello\r\n', secure: true }]);
      expect(events.map((e) => e.type)).toContain('tls-success');
    } else if (expected === 'clear') {
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.connection.tls.negotiated).toBe(false);
      expect(clear).toContain('MAIL FROM:<alice@sender.test>');
      expect(server.accepted.slice(acceptedBefore)).toEqual([{ data: 'Subject: table\r\n\r\nhello\r\n', secure: false }]);
      if (mode === 'no') expect(clear).not.toContain('STARTTLS');
      else if (behaviour === 'refused-454') expect(result.connection.tls.failure).toContain('454');
      else expect(result.connection.tls.failure).toBe('STARTTLS not offered');
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(`fail:${result.stage}`).toBe(expected);
      expect(result.reason).toContain(FAILURE_REASON[behaviour]);
      // No mail transaction ever reached the server, in the clear or otherwise.
      expect(clear + overTls).not.toContain('MAIL FROM');
      expect(server.accepted.length).toBe(acceptedBefore);
      // Exactly what the server read in the clear: after a 220 to STARTTLS nothing but the TLS
      // ClientHello (a handshake record, 0x16 0x03) ever follows; before it, only a polite QUIT.
      const ehlo = 'EHLO client.sender.test\r\n';
      if (behaviour === 'not-offered') expect(clear).toBe(`${ehlo}QUIT\r\n`);
      else if (behaviour === 'refused-454') expect(clear).toBe(`${ehlo}STARTTLS\r\nQUIT\r\n`);
      else if (behaviour !== 'handshake-failure') expect(clear).toBe(`${ehlo}STARTTLS\r\n`); // then TLS records only
      else {
        expect(clear.startsWith(`${ehlo}STARTTLS\r\n\x16\x03`)).toBe(true);
        expect(clear.slice(ehlo.length + 10)).not.toMatch(/QUIT|EHLO|RSET|MAIL/);
      }
      if (expected === 'fail:tls') {
        expect(events.map((e) => e.type)).toContain('tls-failed');
        if (behaviour === 'wrong-name' || behaviour === 'expired' || behaviour === 'self-signed') {
          expect(result.tls?.negotiated).toBe(true);
          expect(result.tls?.verified).toBe(false);
          expect(result.tls?.verifyError).toBe(VERIFY_ERROR[behaviour]);
          // The verification failure ends the session politely over TLS.
          expect(overTls).toBe('QUIT\r\n');
        }
      }
    }
  });
});
