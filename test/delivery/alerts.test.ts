import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TlsAlerts } from '../../src/delivery/alerts.js';

describe('required-TLS alerts', () => {
  it('write one Warning per domain to <home>/alerts.log and stderr', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'alerts-'));
    try {
      const stderr: string[] = [];
      const alerts = TlsAlerts.forHome(home, (l) => stderr.push(l), () => new Date(2026, 10, 28, 18, 5, 0));
      alerts.requiredTlsFailed('secure.test', '4.7.4 STARTTLS was not offered (mx.secure.test [127.0.0.1])');
      alerts.requiredTlsFailed('secure.test', 'again');
      alerts.requiredTlsFailed('other.test', '4.7.5 handshake failed');
      await alerts.flush();
      const log = (await readFile(path.join(home, 'alerts.log'), 'utf8')).trimEnd().split('\n');
      expect(log).toHaveLength(2);
      expect(log[0]).toBe(
        'Sat Nov 28 18:05:00 2026 Warning: System: TLS negotiation failed for secure.test, a destination that requires TLS (4.7.4 STARTTLS was not offered (mx.secure.test [127.0.0.1])). Messages to secure.test are deferred.',
      );
      expect(stderr).toHaveLength(2);
      expect(stderr[1]).toMatch(/^Warning: TLS negotiation failed for other\.test/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
