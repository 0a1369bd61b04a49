// `destconfig list [--json]`: the table as the shell's LIST shows it, or as JSON for scripts.
import type { Command } from 'commander';
import { homeOf, loadCommitted, out } from './io.js';
import { jsonText, listJson } from './view.js';

export async function runList(opts: { json?: boolean }, cmd: Command): Promise<void> {
  const { table } = await loadCommitted(homeOf(cmd));
  if (opts.json) {
    out(jsonText(listJson(table)));
    return;
  }
  // The shell's LIST text, so that the command line and the shell show the same thing.
  const { renderList } = await import('../../table/render.js');
  out(renderList(table));
}
