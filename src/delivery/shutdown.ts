// The SIGTERM handling of a delivery run. Once the run's signal aborts: no new transaction starts and no new
// connection is opened (waiters for a connection slot are cancelled), transactions already open run to
// their end, and after the grace period every connection still open is cut. Recipients never attempted
// keep the "not attempted" deferral they were planned with (plan.ts).
import type { DeliveryConnection } from './types.js';
import type { ConnectionSlots } from './limits.js';
import { lines, type MailLogSink } from './maillog.js';

export class Shutdown {
  /** Set on abort (or when the signal was aborted before the run began). */
  stopping = false;
  /** Connections open now: the ones the grace timer cuts. */
  private readonly open = new Set<DeliveryConnection>();
  /** Connections being set up: abandoned at once on abort, no transaction having started on them. */
  private readonly settingUp = new Set<AbortController>();

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
   * A signal for one connection's set-up, aborted by SIGTERM; `done` once the set-up ended. (One
   * controller per set-up rather than one listener each on the run's signal, which would gather hundreds.)
   */
  setUp(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    if (this.stopping) controller.abort();
    else this.settingUp.add(controller);
    return { signal: controller.signal, done: () => void this.settingUp.delete(controller) };
  }

  /** Runs `body` with the signal watched; an abort during it interrupts the run. */
  async watch(signal: AbortSignal | undefined, body: () => Promise<void>): Promise<void> {
    const onAbort = (): void => this.interrupt();
    if (signal?.aborted) this.stopping = true;
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await body();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private interrupt(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.write(lines.interrupted('SIGTERM'));
    this.slots.cancelWaiting();
    for (const setUp of this.settingUp) setUp.abort();
    this.settingUp.clear();
    const timer = setTimeout(() => {
      for (const c of this.open) c.destroy();
    }, this.graceMs);
    timer.unref();
  }
}
