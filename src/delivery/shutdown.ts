// The SIGTERM/SIGINT handling of a delivery run. Once the run's signal aborts: no new transaction starts and
// no new connection is opened (waiters for a connection slot are cancelled, set-ups under way abandoned),
// DNS lookups are no longer waited for, transactions already open run to their end, and after the grace
// period every connection still open is cut; a second signal (`cutSignal`) cuts them at once. Recipients
// never attempted keep the "not attempted" deferral they were planned with (plan.ts). The exit status
// after a signal (75) is the CLI's (cli-deliver.ts).
import type { DeliveryConnection } from './types.js';
import type { ConnectionSlots } from './limits.js';
import { lines, type MailLogSink } from './maillog.js';

/** The CLI aborts with the signal's name as the reason (SIGTERM or SIGINT); other callers mean SIGTERM. */
function signalName(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'SIGTERM';
}

export class Shutdown {
  /** Set on abort (or when the signal was aborted before the run began). */
  stopping = false;
  /** Connections open now: the ones the grace timer cuts. */
  private readonly open = new Set<DeliveryConnection>();
  /** Connections being set up: abandoned at once on abort, no transaction having started on them. */
  private readonly settingUp = new Set<AbortController>();
  /** Waits that end with the run's interruption (unlessStopped). */
  private readonly stopWaiters = new Set<() => void>();

  constructor(
    private readonly log: MailLogSink,
    private readonly slots: ConnectionSlots,
    private readonly graceMs: number,
  ) {}

  opened(connection: DeliveryConnection): void {
    this.open.add(connection);
  }

  closed(connection: DeliveryConnection): void {
    this.open.delete(connection);
  }

  /**
   * A signal for one connection's set-up, aborted when the run is interrupted; `done` once the set-up ended. (One
   * controller per set-up rather than one listener each on the run's signal, which would gather hundreds.)
   */
  setUp(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    if (this.stopping) controller.abort();
    else this.settingUp.add(controller);
    return { signal: controller.signal, done: () => void this.settingUp.delete(controller) };
  }

  /**
   * `work`'s result, or null as soon as the run is interrupted: what is only being looked up (a DNS answer)
   * is not waited for after the signal, since nothing would be sent with it.
   */
  unlessStopped<T>(work: Promise<T>): Promise<T | null> {
    if (this.stopping) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const stop = (): void => resolve(null);
      this.stopWaiters.add(stop);
      work.then(
        (value) => {
          this.stopWaiters.delete(stop);
          resolve(value);
        },
        (error: unknown) => {
          this.stopWaiters.delete(stop);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /**
   * Runs `body` with the signals watched: an abort of `signal` interrupts the run; an abort of `cutSignal`
   * (a second SIGTERM or SIGINT) also cuts every connection still open at once.
   */
  async watch(signal: AbortSignal | undefined, body: () => Promise<void>, cutSignal?: AbortSignal): Promise<void> {
    const onAbort = (): void => this.interrupt(signalName(signal));
    const onCut = (): void => this.cut(signalName(cutSignal));
    if (signal?.aborted) this.stopping = true;
    signal?.addEventListener('abort', onAbort, { once: true });
    cutSignal?.addEventListener('abort', onCut, { once: true });
    try {
      await body();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cutSignal?.removeEventListener('abort', onCut);
    }
  }

  private cut(name: string): void {
    this.interrupt(name);
    this.log.write(lines.cut());
    for (const c of this.open) c.destroy();
  }

  private interrupt(signalName: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.write(lines.interrupted(signalName));
    this.slots.cancelWaiting();
    for (const setUp of this.settingUp) setUp.abort();
    this.settingUp.clear();
    for (const stop of this.stopWaiters) stop();
    this.stopWaiters.clear();
    const timer = setTimeout(() => {
      for (const c of this.open) c.destroy();
    }, this.graceMs);
    timer.unref();
  }
}
