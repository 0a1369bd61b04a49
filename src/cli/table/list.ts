// `destconfig list [--json]`: the table as the shell's LIST shows it, or as JSON for scripts.
import type { Command } from 'commander';
import { homeOf, loadCommitted, out } from './io.js';
import { jsonText, listJson } from './view.js';

export async function runList(opts: { json?: boolean }, cmd: Command): Promise<void> {
  await listTable(homeOf(cmd), opts);
}

/**
 * `list` on the table in `home` (also run directly by src/cli/main.ts, without commander, which passes a
 * writer of its own).
 */
export async function listTable(home: string, opts: { json?: boolean }, write: (text: string) => void = out): Promise<void> {
  // The renderer loads while the table is read (start-up: one module round trip fewer).
  const renderer = opts.json ? null : import('../../table/render.js');
  const { table } = await loadCommitted(home);
  if (!renderer) {
    write(jsonText(listJson(table)));
    return;
  }
  // The shell's LIST text, so that the command line and the shell show the same thing.
  const { renderList } = await renderer;
  write(renderList(table));
}
