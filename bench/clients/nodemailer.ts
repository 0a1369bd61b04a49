// The yardstick: nodemailer's pooled SMTP transport, one pool per destination domain (nodemailer has no
// MX routing), each pool with the same connection limit and messages per connection as our client's row,
// STARTTLS required and the certificate verified against the sink's per-run certificate, as ours does.
// It is given each message's finished bytes (`raw`), as our client is.
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { domainName, type BenchMessage, type Workload } from '../lib/workload.js';
import type { ClientOutcome, ClientTarget, DeliveryClient } from './types.js';

/** One pooled transport per destination domain, keyed by domain. */
export function nodemailerPools(workload: Workload, target: ClientTarget): Map<string, Transporter> {
  const pools = new Map<string, Transporter>();
  for (let i = 0; i < workload.domains; i++) {
    const domain = domainName(i);
    pools.set(
      domain,
      nodemailer.createTransport({
        pool: true,
        host: '127.0.0.1',
        port: target.smtpPort,
        name: 'client.bench.test',
        maxConnections: workload.concurrency,
        maxMessages: workload.messagesPerConnection,
        requireTLS: true,
        tls: { ca: [target.certPem], servername: `mx.${domain}` },
      }),
    );
  }
  return pools;
}

/** Sends every message through its domain's pool, all at once (the pools queue them), then closes the pools. */
export async function sendAll(pools: Map<string, Transporter>, messages: BenchMessage[], mail: (m: BenchMessage) => SendMailOptions): Promise<ClientOutcome> {
  const outcome = { delivered: 0, failed: 0, errors: [] as string[] };
  await Promise.all(
    messages.map(async (m) => {
      const domain = m.to.slice(m.to.indexOf('@') + 1);
      try {
        const info = await pools.get(domain)!.sendMail(mail(m));
        if (info.accepted?.length === 1) outcome.delivered++;
        else outcome.failed++;
      } catch (err) {
        outcome.failed++;
        if (outcome.errors.length < 5) outcome.errors.push(String(err));
      }
    }),
  );
  for (const pool of pools.values()) pool.close();
  return outcome;
}

export const nodemailerClient: DeliveryClient = async (messages, workload, target) =>
  sendAll(nodemailerPools(workload, target), messages, (m) => ({ envelope: { from: m.from, to: [m.to] }, raw: m.content }));
