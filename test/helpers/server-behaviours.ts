// The server behaviours of issue 4's decision table, shared by the connection-level table
// (test/delivery/tls-modes.test.ts) and the end-to-end one (test/delivery/decision-table.test.ts):
// how each scripted server answers STARTTLS and which certificate it presents.
import type { StartTlsBehaviour } from './hostile-server.js';
import type { IssuedCert, TestPki } from './test-ca.js';

export type Behaviour = 'valid' | 'wrong-name' | 'expired' | 'self-signed' | 'not-offered' | 'refused-454' | 'handshake-failure' | 'injected';

export const BEHAVIOURS: Record<Behaviour, { starttls: StartTlsBehaviour; cert: (pki: TestPki) => IssuedCert }> = {
  valid: { starttls: 'offered', cert: (p) => p.valid },
  'wrong-name': { starttls: 'offered', cert: (p) => p.wrongName },
  expired: { starttls: 'offered', cert: (p) => p.expired },
  'self-signed': { starttls: 'offered', cert: (p) => p.selfSigned },
  'not-offered': { starttls: 'not-offered', cert: (p) => p.valid },
  'refused-454': { starttls: 'refused-454', cert: (p) => p.valid },
  'handshake-failure': { starttls: 'handshake-failure', cert: (p) => p.valid },
  injected: { starttls: 'injected', cert: (p) => p.valid },
};
