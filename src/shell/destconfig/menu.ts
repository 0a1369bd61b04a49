// The destconfig operation menu (reference §3.2, seed transcript): the entry count, the ten operations,
// `[]> `. Operation names are case-insensitive; an empty line leaves to the main prompt. What an operation
// changes in the session's table is kept only when the operation completes (draft.ts rolls it back otherwise).
import { EndOfInput, Interrupted } from '../errors.js';
import type { Session } from '../session.js';
import { suggest } from '../suggest.js';
import { menuHelp } from '../help.js';
import { FORM_OPERATIONS } from '../form/index.js';
import type { Operation } from './context.js';
import { clearEntries } from './clear.js';
import { beginDraft } from './draft.js';
import { editDefaults } from './default.js';
import { deleteEntry } from './delete.js';
import { showDetail } from './detail.js';
import { editEntry } from './edit.js';
import { exportTable } from './export.js';
import { importTable } from './import.js';
import { listEntries } from './list.js';
import { newEntry } from './new.js';
import { setupGlobals } from './setup.js';

interface MenuItem {
  name: string;
  description: string;
  run: Operation;
}

/** The ten lines exactly as the seed prints them. */
export const MENU: readonly MenuItem[] = [
  { name: 'SETUP', description: 'Change global settings.', run: setupGlobals },
  { name: 'NEW', description: 'Create a new entry.', run: newEntry },
  { name: 'EDIT', description: 'Modify an entry.', run: editEntry },
  { name: 'DELETE', description: 'Remove an entry.', run: deleteEntry },
  { name: 'DEFAULT', description: 'Change the default.', run: editDefaults },
  { name: 'LIST', description: 'Display a summary list of all entries.', run: listEntries },
  { name: 'DETAIL', description: 'Display details for one destination or all entries.', run: showDetail },
  { name: 'CLEAR', description: 'Remove all entries.', run: clearEntries },
  { name: 'IMPORT', description: 'Import tables from a file.', run: importTable },
  { name: 'EXPORT', description: 'Export tables to a file.', run: exportTable },
];

function printMenu(s: Session): void {
  const { p } = s;
  p.print();
  // The count leaves out the Default row (reference §3.2 recommendation).
  p.print(`There are currently ${s.table.entries.size} entries configured.`);
  p.print();
  p.print('Choose the operation you want to perform:');
  for (const item of MENU) p.print(`- ${item.name} - ${item.description}`, p.paint.menuItem);
}

/**
 * Runs the menu until an empty answer, or until an operation ran as a form (`--ui form`). Ctrl-C at the menu
 * prompt propagates (back to the main prompt).
 */
export async function runDestconfigMenu(s: Session): Promise<void> {
  const { p } = s;
  for (;;) {
    printMenu(s);
    const answer = (await p.ask('[]> ', [...MENU.map((m) => m.name), 'HELP'])).trim();
    if (answer === '') return;
    const [word = '', ...args] = answer.split(/\s+/);
    if (word.toLowerCase() === 'help' || word === '?') {
      menuHelp(p, args);
      continue;
    }
    const item = MENU.find((m) => m.name === answer.toUpperCase());
    if (!item) {
      const close = suggest(answer.toUpperCase(), MENU.map((m) => m.name));
      p.reject(`Unknown option: ${answer}${close ? `. Did you mean ${close}?` : ''}`);
      continue;
    }
    const ctx = { p, table: s.table, home: s.opts.home, hostname: s.opts.hostname };
    const draft = beginDraft(s.table);
    // Form mode (issue 7): a form runs the operation, "then return[s] to the ESA prompt": the main prompt,
    // where `commit` is the next step, not the menu again (the ESA dialogue's operations return to the
    // menu). A form abandoned with Ctrl-C returns to the menu, as every abandoned operation does (issue 2).
    const form = s.opts.ui === 'form' ? FORM_OPERATIONS[item.name] : undefined;
    try {
      await (form ?? item.run)(ctx);
    } catch (err) {
      draft.rollBack();
      // A script cut short inside an operation ends the session as `quit` does (issue 2), but not without a
      // word: the operation it was in is named, so a truncated script is told from a complete one.
      if (err instanceof EndOfInput) p.warn(`destconfig: end of input in the middle of ${item.name}: the operation was not completed and nothing of it was kept.`);
      if (!(err instanceof Interrupted)) throw err;
      // Ctrl-C abandons the operation and returns to the menu (issue 2), in a form too.
      p.print('-- Changes not recorded');
      continue;
    }
    draft.keep();
    if (form) return;
  }
}
