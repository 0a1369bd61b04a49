// LIST: the summary table (layout in src/table/render.ts), no question asked (reference §5.5).
import { renderList } from '../../table/render.js';
import type { OpContext } from './context.js';

export async function listEntries(ctx: OpContext): Promise<void> {
  ctx.p.print();
  ctx.p.write(renderList(ctx.table), ctx.p.paint.listHeader);
}
