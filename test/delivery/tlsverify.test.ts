// runTlsVerify's transcript as the user reads it, against scripted servers on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTlsVerify } from '../../src/delivery/tlsverify.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';

let handshakeFailure: ScriptedSmtpServer;
beforeAll(async () => {
  handshakeFailure = await startScriptedSmtpServer({ starttls: 'handshake-failure', cert: testPki().valid });
});
afterAll(() => handshakeFailure.close());

describe('tlsverify transcript', () => {
  it('says once that the handshake failed, then the verdict, status 1', async () => {
    const out: string[] = [];
    const status = await runTlsVerify({ domain: 'example.test', host: `127.0.0.1:${handshakeFailure.port}`, home: '/nonexistent', print: (l) => out.push(l), helo: 'client.test', timeoutMs: 10_000 });
    expect(status).toBe(1);
    expect(out.filter((l) => /TLS failed/.test(l))).toHaveLength(1);
    expect(out.at(-1)).toMatch(/^TLS verification of 'example\.test' FAILED: TLS handshake failed/);
  });
});
