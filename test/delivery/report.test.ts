import { describe, expect, it } from 'vitest';
import { exitStatus, reportJson, reportText } from '../../src/delivery/report.js';
import type { DeliveryReport, RecipientReport } from '../../src/delivery/types.js';

const base: RecipientReport = {
  message: 'm.eml',
  mid: 3,
  address: 'a@example.test',
  status: 'delivered',
  row: 'example.test',
  mxHost: 'mx.example.test',
  ip: '192.0.2.1',
  attempts: 1,
  reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued' },
  reason: null,
  tls: { mode: 'required_verify', negotiated: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', verified: true, verifyError: null, matchedIdentity: 'mx.example.test' },
};
const deferred: RecipientReport = {
  ...base,
  address: 'b@example.test',
  status: 'deferred',
  attempts: 2,
  reply: null,
  reason: '4.7.4 TLS is required, but was not offered by host mx.example.test (mx.example.test [192.0.2.1])',
  tls: { mode: 'required', negotiated: false, protocol: null, cipher: null, verified: null, verifyError: null, matchedIdentity: null },
};
const report = (...r: RecipientReport[]): DeliveryReport => ({
  recipients: r,
  summary: {
    delivered: r.filter((x) => x.status === 'delivered').length,
    deferred: r.filter((x) => x.status === 'deferred').length,
    bounced: r.filter((x) => x.status === 'bounced').length,
  },
});

describe('deliver report', () => {
  it('exit status: 0 all delivered, 75 deferred without bounces, 69 any bounce', () => {
    expect(exitStatus(report(base))).toBe(0);
    expect(exitStatus(report(base, deferred))).toBe(75);
    expect(exitStatus(report(base, deferred, { ...base, status: 'bounced' }))).toBe(69);
  });

  it('text: one block per recipient under its message, TLS in words, and the summary', () => {
    expect(reportText(report(base, deferred))).toBe(
      [
        'Message m.eml (MID 3)',
        '  a@example.test: delivered via mx.example.test [192.0.2.1], row example.test, 1 attempt',
        '    reply: 250 2.0.0 Ok: queued',
        '    TLS Required - Verify: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified (mx.example.test)',
        '  b@example.test: deferred via mx.example.test [192.0.2.1], row example.test, 2 attempts',
        '    reason: 4.7.4 TLS is required, but was not offered by host mx.example.test (mx.example.test [192.0.2.1])',
        '    TLS Required: not negotiated',
        '1 delivered, 1 deferred, 0 bounced',
        '',
      ].join('\n'),
    );
  });

  it('JSON keeps the DeliveryReport shape', () => {
    expect(JSON.parse(reportJson(report(base)))).toEqual(report(base));
  });

  it('JSON always carries the three reply fields: enhanced is null when the server sent none', () => {
    const plain = { ...base, reply: { code: 250, text: 'queued' } };
    const parsed = JSON.parse(reportJson(report(plain))) as DeliveryReport;
    expect(parsed.recipients[0]?.reply).toStrictEqual({ code: 250, enhanced: null, text: 'queued' });
  });
});
