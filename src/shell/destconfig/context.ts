// What a destconfig operation works on. The menu hands each operation a draft copy of the session's working
// table and keeps it only when the operation completes, so Ctrl-C (or end of input) part-way through an
// operation leaves the table as it was.
import type { DestTable } from '../../table/types.js';
import type { Prompter } from '../prompt.js';

export interface OpContext {
  p: Prompter;
  /** The draft: change it freely. */
  table: DestTable;
  /** Table home (IMPORT/EXPORT resolve file names under `<home>/configuration/`). */
  home: string;
  /** The name in the main prompt, used in the appliance's "on machine" wording. */
  hostname: string;
}

export type Operation = (ctx: OpContext) => Promise<void>;
