// A delivery client under test: given the workload's messages and where the sink and DNS listen, it sends
// everything and says how many recipients ended delivered.
import type { BenchMessage, Workload } from '../lib/workload.js';

export interface ClientTarget {
  smtpPort: number;
  dnsPort: number;
  /** The sink's self-signed certificate, trusted by the client. */
  certPem: string;
}

export interface ClientOutcome {
  delivered: number;
  failed: number;
  /** A few failure reasons, for the report when something goes wrong. */
  errors: string[];
}

export type DeliveryClient = (messages: BenchMessage[], workload: Workload, target: ClientTarget) => Promise<ClientOutcome>;
