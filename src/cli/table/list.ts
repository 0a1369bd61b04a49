// `destconfig list [--json]`: the table as the shell's LIST shows it, or as JSON for scripts.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { homeOf, loadCommitted, out } from './io.js';
import { jsonText, listJson } from './view.js';

export async function runList(opts: { json?: boolean }, cmd: Command): Promise<void> {
  const { table } = await loadCommitted(homeOf(cmd));
  if (opts.json) {
    out(jsonText(listJson(table)));
    return;
  }
  // PENDING MERGE: the text comes from the shell's src/table/render.ts once it is on main.
  throw new CliError('the text form needs the shared LIST/DETAIL renderer, not merged yet; use --json', EXIT.FAILURE);
}
