// The state one delivery run shares across its destinations and workers: the options, the connection slots
// and recipient windows (limits.ts), the clock, the connection-id counter, the turn of the source addresses,
// the SIGTERM/SIGINT handling (shutdown.ts) and the BATV key, loaded at most once.
import type { DeliverOptions } from './deliver-options.js';
import { ConnectionSlots, RecipientWindows } from './limits.js';
import type { Group } from './plan.js';
import { Shutdown } from './shutdown.js';

export class DeliveryRun {
  readonly slots = new ConnectionSlots();
  readonly windows: RecipientWindows;
  readonly now: () => number;
  readonly shutdown: Shutdown;
  /** The id of the next connection (DCID in the mail log). */
  nextDcid: number;
  /** Round-robin position over the source addresses (open-connection.ts). */
  sourceTurn = 0;
  private batvKey: Promise<Buffer> | null = null;

  constructor(readonly o: DeliverOptions) {
    this.now = o.now ?? Date.now;
    this.windows = o.windows ?? new RecipientWindows(this.now);
    this.nextDcid = o.firstDcid ?? 1;
    this.shutdown = new Shutdown(o.log, this.slots, o.shutdownGraceMs ?? 30_000);
  }

  get stopping(): boolean {
    return this.shutdown.stopping;
  }

  loadBatvKey(): Promise<Buffer> {
    if (!this.o.batvKey) throw new Error('bounce verification is on but no BATV key source was given');
    this.batvKey ??= this.o.batvKey();
    return this.batvKey;
  }
}

/** The row's limit settings that name a counter (limits.ts `limitKey`). */
export function limitSettings(group: Group): { limitType: 'domain' | 'mxip'; limitApply: 'system' | 'vg' } {
  return { limitType: group.row.limitType.value, limitApply: group.row.limitApply.value };
}
