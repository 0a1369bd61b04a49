// Our delivery client through its module API (src/delivery/deliver.ts): the orchestrator with the real
// connection layer, MX resolution against the sink's DNS server, and the mail log written to a file as
// `destconfig deliver` does. The governing row carries the workload's limits and TLS "Required - Verify",
// the sink's certificate trusted as an extra anchor (as --ca-file does), like nodemailer's side.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliver } from '../../src/delivery/deliver.js';
import { createResolver, MxResolver } from '../../src/delivery/dns.js';
import { MailLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { emptyTable } from '../../src/table/types.js';
import type { DeliveryClient } from './types.js';

export const destconfigClient: DeliveryClient = async (messages, workload, target) => {
  const table = emptyTable();
  table.defaults = {
    ...table.defaults,
    maxConcurrency: workload.concurrency,
    maxMessagesPerConnection: workload.messagesPerConnection,
    limitType: 'domain',
    limitApply: 'system',
    tls: 'required_verify',
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-maillog-'));
  const log = new MailLog(path.join(dir, 'mail.log'));
  try {
    const { report } = await deliver(
      messages.map((m, i) => ({ name: `m${i}`, from: m.from, to: [m.to], content: m.content })),
      {
        table,
        connector: connect,
        mx: new MxResolver({ resolver: createResolver({ servers: [`127.0.0.1:${target.dnsPort}`] }) }),
        log,
        port: target.smtpPort,
        helo: 'client.bench.test',
        timeouts: DEFAULT_TIMEOUTS,
        extraCa: [target.certPem],
      },
    );
    const errors = report.recipients
      .filter((r) => r.status !== 'delivered')
      .slice(0, 5)
      .map((r) => `${r.address}: ${r.status} ${r.reply ? `${r.reply.code} ${r.reply.text}` : (r.reason ?? '')}`);
    return { delivered: report.summary.delivered, failed: report.summary.deferred + report.summary.bounced, errors };
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
