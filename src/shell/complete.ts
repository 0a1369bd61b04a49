// Tab completion at the prompts where a word is expected (issue 7): the main prompt's commands, the menu's
// operation names, and the destinations at the prompts that ask for an existing entry (EDIT, DELETE,
// DETAIL). The prompt layer passes readline the text left of the cursor; the question being asked supplies
// the candidates through a CompletionSource (Prompter.ask's second argument), so only one context is
// active at a time. Matching ignores case (commands and operations are case-insensitive, destinations are
// stored lower-case); the completion follows the case the operator started typing.
import { sortedEntries } from '../table/render.js';
import type { DestTable } from '../table/types.js';

/** Candidates for the word being typed, given the words typed before it on the line. */
export type CompletionSource = (before: readonly string[]) => readonly string[];

/** readline's completer result: the candidates and the text they replace. */
export type Completion = [string[], string];

/** `ne` -> `new` even when the candidate is `NEW`; `NE` -> `NEW`; mixed or empty: the candidate as it is. */
function inTypedCase(candidate: string, typed: string): string {
  const lower = typed.toLowerCase();
  const upper = typed.toUpperCase();
  if (lower === upper) return candidate;
  if (typed === lower) return candidate.toLowerCase();
  if (typed === upper) return candidate.toUpperCase();
  return candidate;
}

/** Completes the last word of `line` (the text left of the cursor) from `source`. */
export function completeWord(line: string, source: CompletionSource | null): Completion {
  const m = /^(.*?)(\S*)$/s.exec(line);
  const before = (m?.[1] ?? '').trim();
  const typed = m?.[2] ?? '';
  if (!source) return [[], typed];
  const folded = typed.toLowerCase();
  const seen = new Set<string>();
  const hits: string[] = [];
  for (const candidate of source(before === '' ? [] : before.split(/\s+/))) {
    if (!candidate.toLowerCase().startsWith(folded)) continue;
    const shown = inTypedCase(candidate, typed);
    if (seen.has(shown)) continue;
    seen.add(shown);
    hits.push(shown);
  }
  return [hits, typed];
}

const isHelp = (word: string | undefined): boolean => word !== undefined && (word.toLowerCase() === 'help' || word === '?');

/** The main prompt: the commands; after `help`, the help topics (`topics`). */
export function commandCompletion(commands: readonly string[], topics: readonly string[]): CompletionSource {
  return (before) => (before.length === 0 ? commands : before.length === 1 && isHelp(before[0]) ? topics : []);
}

/** The destconfig menu: the operations and HELP; after `help`, the help topics (`topics`). */
export function operationCompletion(operations: readonly string[], topics: readonly string[]): CompletionSource {
  return (before) => (before.length === 0 ? [...operations, 'HELP'] : before.length === 1 && isHelp(before[0]) ? topics : []);
}

/** A prompt for an existing entry: the table's destinations in LIST order, then `extra` words (DETAIL's `all`). */
export function destinationCompletion(table: DestTable, extra: readonly string[] = []): CompletionSource {
  return (before) => (before.length === 0 ? [...sortedEntries(table).map((e) => e.destination), ...extra] : []);
}
