// The SETUP alert (reference §7.2): when delivery to a domain whose row requires TLS fails because TLS could
// not be negotiated (or, under a Verify mode, verified) and "Send an alert when a required TLS connection
// fails" is on, a Warning alert naming the domain goes to `<home>/alerts.log` and to stderr. One alert per
// domain per run: the appliance alerts per failed domain, not per connection.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { makeFolders } from '../store/folders.js';
import { logTimestamp } from './maillog.js';

export interface AlertSink {
  requiredTlsFailed(domain: string, detail: string): void;
  /** Waits for pending writes. */
  flush(): Promise<void>;
}

export function alertText(domain: string, detail: string): string {
  return `TLS negotiation failed for ${domain}, a destination that requires TLS (${detail}). Messages to ${domain} are deferred.`;
}

export class TlsAlerts implements AlertSink {
  private readonly alerted = new Set<string>();
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    readonly file: string,
    private readonly stderr: (line: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static forHome(home: string, stderr: (line: string) => void, now?: () => Date): TlsAlerts {
    return new TlsAlerts(path.join(home, 'alerts.log'), stderr, now);
  }

  requiredTlsFailed(domain: string, detail: string): void {
    if (this.alerted.has(domain)) return;
    this.alerted.add(domain);
    const text = alertText(domain, detail);
    this.stderr(`Warning: ${text}`);
    const line = `${logTimestamp(this.now())} Warning: System: ${text}\n`;
    // A failed append is kept for the caller (`error`), never left as a rejected promise: the alert is
    // written while the run goes on, and a rejection nobody awaits yet would end the process (Node's
    // unhandled-rejection rule) in the middle of the delivery, without its report.
    this.pending = this.pending
      .then(async () => {
        await makeFolders(path.dirname(this.file));
        await appendFile(this.file, line, { mode: 0o640 });
      })
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      });
  }

  /** Waits for pending writes; never rejects (a write that failed is in `error`). */
  flush(): Promise<void> {
    return this.pending;
  }

  /** The first alert write that failed, if any. */
  get error(): Error | null {
    return this.failure;
  }
}
