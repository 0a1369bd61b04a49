// What a delivery run is given and what it returns: the messages, the options (table, connector, resolver,
// sinks, limits, shutdown signal) and the result. Kept apart from the orchestrator so that the modules of a
// run (plan.ts, run-context.ts, ...) can name them without importing deliver.ts.
import type { DestTable } from '../table/types.js';
import type { Connector, DeliveryReport, Timeouts } from './types.js';
import type { MxResolver } from './dns.js';
import type { RecipientWindows } from './limits.js';
import type { MailLogSink } from './maillog.js';
import type { AlertSink } from './alerts.js';
import type { DaneResolver } from './dane/policy.js';
import type { MessageSource } from './message-source.js';

/** One message to deliver, as read from the command line or a batch folder. */
export interface InputMessage {
  /** File name shown in the report ('-' for stdin). */
  name: string;
  from: string;
  to: string[];
  /**
   * The message bytes, or a source read when the message's transaction is sent (a batch folder's files:
   * a run then holds only the messages in flight; message-source.ts).
   */
  content: Buffer | MessageSource;
}

export interface DeliverOptions {
  table: DestTable;
  connector: Connector;
  mx: MxResolver;
  log: MailLogSink;
  alerts?: AlertSink;
  port: number;
  helo: string;
  timeouts: Timeouts;
  /** Virtual gateways (source addresses); empty: the system picks. */
  sources?: string[];
  extraCa?: string[];
  clientCert?: { cert: string; key: string };
  /** Milliseconds since the epoch (recipient windows, BATV day). */
  now?: () => number;
  /** Recipient-limit counters carried over from earlier runs (state.ts); fresh ones otherwise. */
  windows?: RecipientWindows;
  /** Loads the BATV key when a row asks for bounce verification (loaded at most once). */
  batvKey?: () => Promise<Buffer>;
  /** System-wide cap on simultaneous connections, whatever the rows say. */
  maxConnections?: number;
  firstMid?: number;
  firstDcid?: number;
  /** Aborted on SIGTERM or SIGINT (its reason the signal's name, for the mail log): no new transactions; open ones end; the rest is reported deferred. */
  signal?: AbortSignal;
  /** Aborted on a second SIGTERM/SIGINT: every connection still open is cut at once (its transaction deferred). */
  cutSignal?: AbortSignal;
  /** After an abort, how long open transactions may run before their connections are cut. */
  shutdownGraceMs?: number;
  /** DNSSEC/TLSA lookups for rows whose DANE setting is not No (docs/dane.md); without it Mandatory defers. */
  dane?: DaneResolver;
}

export interface DeliverResult {
  report: DeliveryReport;
  /** Highest number of simultaneous connections each limit key reached (domain, domain + IP, + source). */
  peakConnections: Map<string, number>;
  /** The last connection id used (the next run starts after it). */
  lastDcid: number;
}
