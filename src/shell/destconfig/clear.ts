// CLEAR: removes every entry; the Default row stays. No confirmation, as on the appliance (reference §5.7):
// like every change it is pending until `commit`, and `clearchanges` undoes it.
import type { OpContext } from './context.js';

export async function clearEntries(ctx: OpContext): Promise<void> {
  ctx.table.entries.clear();
}
