// `commit` and `clearchanges` (reference §2.3). A commit is refused, with nothing written and the session's
// pending changes kept, when another session committed since this one loaded the table (the store's
// revision check, ARCHITECTURE.md decision 4).
import { commitTable, loadTable, sentence, StaleRevisionError } from '../store/index.js';
import { askText, askYesNo } from './ask.js';
import type { Session } from './session.js';

/** `Sat Nov 28 17:54:17 2026 UTC`: the appliance's ctime-style stamp, in UTC. */
export function formatCommitTime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} ${d.getUTCFullYear()} UTC`;
}

export async function commit(s: Session): Promise<void> {
  const { p } = s;
  if (!s.hasChanges()) {
    p.print();
    p.print('There are no changes to commit.');
    return;
  }
  const comment = await askText(p, 'Please enter some comments describing your changes:', (a) => ({ ok: true, value: a }));
  p.print();
  try {
    const done = await commitTable(s.opts.home, s.table, { baseRevision: s.baseRevision, comment });
    s.markCommitted(s.table, done.revision);
    p.print(`Changes committed: ${formatCommitTime(done.committedAt)}`);
  } catch (err) {
    if (err instanceof StaleRevisionError) {
      p.print(
        `Commit refused: another session committed the table (now at revision ${err.currentRevision}; ` +
          `this session started from revision ${err.baseRevision}). Nothing was written and your changes are ` +
          'still pending. Use "clearchanges" to discard them and load the current table, then make them again.',
      );
      return;
    }
    p.print(`Commit failed: ${reason(err)} Nothing was written; your changes are still pending.`);
  }
}

/** Discards the pending changes and reloads the committed table (picking up other sessions' commits). */
export async function clearChanges(s: Session): Promise<void> {
  const { p } = s;
  if (s.hasChanges()) {
    if (!(await askYesNo(p, 'Are you sure you want to clear all changes since the last commit?', true))) return;
  }
  let loaded: Awaited<ReturnType<typeof loadTable>>;
  try {
    loaded = await loadTable(s.opts.home);
  } catch (err) {
    // A committed table damaged (or made unreadable) since the session loaded it: the session goes on with
    // its changes, as after a failed commit; ending it would drop them with an internal error.
    p.print();
    p.print(`Clear failed: cannot load the committed table: ${reason(err)} Your changes are still pending.`);
    return;
  }
  const had = s.hasChanges();
  s.markCommitted(loaded.table, loaded.revision);
  p.print();
  p.print(had ? 'Changes cleared.' : 'No changes have been made.');
}

/** An error's message as a sentence: the store's messages end with one already (no `..`), Node's do not. */
function reason(err: unknown): string {
  return sentence(err instanceof Error ? err.message : String(err));
}
