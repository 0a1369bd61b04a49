// What a destconfig operation works on. The menu hands each operation the session's working table with its
// changes journalled (draft.ts) and keeps them only when the operation completes, so Ctrl-C (or end of
// input) part-way through an operation leaves the table as it was.
import type { DestTable } from '../../table/types.js';
import type { Prompter } from '../prompt.js';

export interface OpContext {
  p: Prompter;
  /** The working table: replace its defaults/globals/entries map or set/delete entries; never change an entry object in place. */
  table: DestTable;
  /** Table home (IMPORT/EXPORT resolve file names under `<home>/configuration/`). */
  home: string;
  /** The name in the main prompt, used in the appliance's "on machine" wording. */
  hostname: string;
}

export type Operation = (ctx: OpContext) => Promise<void>;
